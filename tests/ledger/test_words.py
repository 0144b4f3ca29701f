"""The ledger in plain words: entry kinds, account names, and each reader's side of a balance."""

from __future__ import annotations

import uuid

import pytest

from bitnexus.ledger import words
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.words import EntryKind

ID = uuid.uuid4()


@pytest.mark.parametrize(
    ("key", "metadata", "reverses", "kind"),
    [
        (f"conversion:{ID}", {}, None, EntryKind.commission),
        (f"conversion:{ID}", {"kind": "sale", "renewal": 0}, None, EntryKind.commission),
        (f"conversion:{ID}", {"kind": "sale", "renewal": 3}, None, EntryKind.renewal),
        (f"conversion:{ID}", {"kind": "lead", "renewal": None}, None, EntryKind.lead),
        (f"mature:{ID}", {}, None, EntryKind.matured),
        (f"refund:{ID}", {"clawback": False}, ID, EntryKind.refund),
        (f"refund:{ID}", {"clawback": True}, ID, EntryKind.clawback),
        (f"hold:{ID}", {"reasons": []}, None, EntryKind.hold_decided),
        (f"payout:{ID}:reserve", {}, None, EntryKind.payout_reserved),
        (f"payout:{ID}:paid", {}, None, EntryKind.payout_paid),
        (f"payout:{ID}:failed", {}, None, EntryKind.payout_failed),
        ("ledger:signing-key:v2", {"event": "key-change"}, None, EntryKind.key_change),
        ("undo-42", None, ID, EntryKind.reversal),
        ("c1", None, None, EntryKind.other),
    ],
    ids=[
        "sale",
        "first-sale-of-a-subscription",
        "renewal",
        "lead",
        "matured",
        "refund",
        "clawback",
        "hold-decided",
        "payout-reserved",
        "payout-paid",
        "payout-failed",
        "key-change",
        "reversal",
        "other",
    ],
)
def test_every_entry_is_of_a_kind_with_a_meaning(
    key: str, metadata: dict[str, object] | None, reverses: uuid.UUID | None, kind: EntryKind
) -> None:
    found = words.entry_kind(key, metadata, reverses)

    assert found == kind
    assert words.MEANINGS[found].endswith(".")


def test_every_kind_has_one_sentence_of_meaning() -> None:
    assert set(words.MEANINGS) == set(EntryKind)


@pytest.mark.parametrize(
    ("code", "owner", "name"),
    [
        (f"affiliate:{ID}:pending:EUR", "Ada Lovelace", "Ada Lovelace — pending commissions (EUR)"),
        (
            f"affiliate:{ID}:held:EUR",
            "Ada Lovelace",
            "Ada Lovelace — commissions held for review (EUR)",
        ),
        (
            f"affiliate:{ID}:available:EUR",
            "Ada Lovelace",
            "Ada Lovelace — commissions payable (EUR)",
        ),
        (
            f"affiliate:{ID}:payout:EUR",
            "Ada Lovelace",
            "Ada Lovelace — commissions in payout (EUR)",
        ),
        (f"affiliate:{ID}:paid:EUR", "Ada Lovelace", "Ada Lovelace — commissions paid out (EUR)"),
        (f"vendor:{ID}:receivable:EUR", "Acme", "Vendor Acme — commissions receivable (EUR)"),
        ("platform:fees:EUR", None, "Platform fees (EUR)"),
        (f"affiliate:{ID}:available:EUR", None, "An affiliate — commissions payable (EUR)"),
        (f"vendor:{ID}:receivable:EUR", None, "A vendor — commissions receivable (EUR)"),
        ("vendor:1:receivable", None, "vendor:1:receivable"),
    ],
    ids=[
        "pending",
        "held",
        "available",
        "payout",
        "paid",
        "vendor",
        "platform-fees",
        "affiliate-not-shown",
        "vendor-not-shown",
        "other-shape",
    ],
)
def test_accounts_are_named_by_kind_and_owner(code: str, owner: str | None, name: str) -> None:
    assert words.account_name(code, "EUR", owner) == name


def test_names_leave_no_uuid_on_screen() -> None:
    assert str(ID) not in words.account_name(f"affiliate:{ID}:available:EUR", "EUR", None)


AVAILABLE = f"affiliate:{ID}:available:EUR"
PENDING = f"affiliate:{ID}:pending:EUR"
RECEIVABLE = f"vendor:{ID}:receivable:EUR"
LIABILITY, ASSET = AccountKind.liability.value, AccountKind.asset.value


@pytest.mark.parametrize(
    ("code", "kind", "balance", "owner_reads", "label"),
    [
        (AVAILABLE, LIABILITY, 4900, True, "You are owed"),
        (AVAILABLE, LIABILITY, -100, True, "You owe"),
        (PENDING, LIABILITY, 4900, True, "You earned, still refundable"),
        (RECEIVABLE, ASSET, 4900, True, "You owe"),
        (RECEIVABLE, ASSET, -100, True, "You are owed"),
        (AVAILABLE, LIABILITY, 4900, False, "Liability: the platform owes"),
        (RECEIVABLE, ASSET, 4900, False, "Asset: owed to the platform"),
        ("platform:fees:EUR", "revenue", 490, False, "Revenue: the platform earned"),
    ],
    ids=[
        "affiliate-owed",
        "affiliate-after-clawback",
        "affiliate-pending",
        "vendor-owes",
        "vendor-in-credit",
        "admin-liability",
        "admin-asset",
        "admin-revenue",
    ],
)
def test_a_balance_reads_from_its_readers_side(
    code: str, kind: str, balance: int, owner_reads: bool, label: str
) -> None:
    assert words.balance_label(code, kind, balance, owner_reads=owner_reads) == label


@pytest.mark.parametrize(
    ("code", "kind", "amount", "owner_reads", "said"),
    [
        (PENDING, LIABILITY, 4900, True, "You earned"),
        (PENDING, LIABILITY, -4900, True, "No longer pending"),
        (AVAILABLE, LIABILITY, 4900, True, "You are owed more"),
        (AVAILABLE, LIABILITY, -4900, True, "You are owed less"),
        (RECEIVABLE, ASSET, 4900, True, "You owe more"),
        (RECEIVABLE, ASSET, -4900, True, "You owe less"),
        (RECEIVABLE, ASSET, 4900, False, "Asset up"),
        (AVAILABLE, LIABILITY, -4900, False, "Liability down"),
    ],
    ids=[
        "affiliate-earns",
        "affiliate-matures",
        "affiliate-owed-more",
        "affiliate-owed-less",
        "vendor-owes-more",
        "vendor-owes-less",
        "admin-asset-up",
        "admin-liability-down",
    ],
)
def test_a_posting_reads_from_its_readers_side(
    code: str, kind: str, amount: int, owner_reads: bool, said: str
) -> None:
    assert words.effect(code, kind, amount, owner_reads=owner_reads) == said


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        ("Refund: order A-1, 4900 of 4900", "Refund: order A-1"),
        ("Clawback: order A-1, 2500 of 10000", "Clawback: order A-1"),
        ("Commission: Course, order A-1", "Commission: Course, order A-1"),
    ],
    ids=["refund", "clawback", "commission"],
)
def test_titles_carry_no_raw_minor_units(description: str, shown: str) -> None:
    assert words.title(description) == shown
