"""How each fraud finding reads to the admin, with and without the facts a hold kept."""

from __future__ import annotations

from typing import Any

import pytest

from bitnexus.commissions.models import HoldReason
from bitnexus.commissions.service import findings


@pytest.mark.parametrize(
    ("finding", "words"),
    [
        (
            findings.too_fast(1, 30),
            "The sale came 1 second after its click; your rule asks for at least 30 seconds.",
        ),
        (
            findings.too_fast(2.46, 5),
            "The sale came 2.5 seconds after its click; your rule asks for at least 5 seconds.",
        ),
        (
            findings.shared_address(4, 3),
            "4 sales came from the buyer's address within 24 hours, "
            "this one included; your rule allows 3.",
        ),
        (
            findings.no_click(1),
            "A coupon sale, and the affiliate has no recorded click on this "
            "product in the last 1 day.",
        ),
        (
            findings.self_referral("account"),
            "The customer reference is the affiliate's own account id.",
        ),
    ],
)
def test_an_admin_reads_the_facts_a_rule_found(finding: findings.Finding, words: str) -> None:
    stored = finding.stored()
    assert findings.explained([stored["reason"]], [stored], to_admin=True) == [words]


@pytest.mark.parametrize("reason", list(HoldReason))
def test_a_hold_kept_without_facts_still_reads_to_both(reason: HoldReason) -> None:
    evidence: list[dict[str, Any]] = []
    [admin] = findings.explained([reason.value], evidence, to_admin=True)
    [affiliate] = findings.explained([reason.value], evidence, to_admin=False)
    assert admin
    assert admin != affiliate
    assert "you" not in admin.lower().split()  # the admin is not addressed as the affiliate
