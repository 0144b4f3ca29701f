"""What a fraud rule found, and how it is put to each reader.

A hold keeps each rule's finding with the facts it rests on (`fraud_holds.evidence`): which of the
affiliate's own identifiers the buyer matched, how many seconds the sale came after its click,
how many sales one address made. The admin deciding the hold reads those facts in the third
person ("the buyer's address matched one the affiliate signed in from"); the held affiliate reads
the rule in the second ("the buyer looks like you"), without the buyer's details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bitnexus.commissions.models import HoldReason

# the affiliate's words: the rule, not the buyer's details
FOR_AFFILIATE = {
    HoldReason.self_referral: "The buyer looks like you: your own account, email or address.",
    HoldReason.too_fast: "The sale came too soon after the click for a person to have bought.",
    HoldReason.shared_address: "Too many sales came from one address within a day.",
    HoldReason.no_click: "A coupon sale with no recorded click through your links.",
}

# the admin's words when a hold carries no facts (holds made before they were kept)
_FOR_ADMIN = {
    HoldReason.self_referral: "The buyer matched the affiliate's own account, email or address.",
    HoldReason.too_fast: "The sale came sooner after its click than your rule allows.",
    HoldReason.shared_address: "More sales came from the buyer's address in a day than your "
    "rule allows.",
    HoldReason.no_click: "A coupon sale, and the affiliate has no recorded click on the product.",
}


@dataclass(frozen=True)
class Finding:
    """One rule that held a sale, and the facts it found (JSON values, kept with the hold)."""

    reason: HoldReason
    facts: dict[str, Any]

    def stored(self) -> dict[str, Any]:
        return {"reason": self.reason.value, **self.facts}


def self_referral(matched: str, day: str | None = None) -> Finding:
    """`matched`: "email", "account" (the customer reference) or "address" (signed in from)."""
    return Finding(HoldReason.self_referral, {"matched": matched, "day": day})


def too_fast(seconds: float, minimum: int) -> Finding:
    return Finding(HoldReason.too_fast, {"seconds": round(seconds, 1), "minimum": minimum})


def shared_address(sales: int, limit: int) -> Finding:
    return Finding(HoldReason.shared_address, {"sales": sales, "limit": limit})


def no_click(days: int) -> Finding:
    return Finding(HoldReason.no_click, {"days": days})


def _seconds(n: float) -> str:
    return "1 second" if n == 1 else f"{n:g} seconds"


def for_admin(reason: HoldReason, facts: dict[str, Any] | None) -> str:
    """The finding in the admin's words, with its facts when the hold kept them."""
    f = facts or {}
    match reason:
        case HoldReason.self_referral if f.get("matched") == "email":
            return "The customer reference is the affiliate's own email address."
        case HoldReason.self_referral if f.get("matched") == "account":
            return "The customer reference is the affiliate's own account id."
        case HoldReason.self_referral if f.get("matched") == "address":
            return (
                f"The buyer's address matched one the affiliate signed in from on {f['day']}. "
                "A test sale made from the affiliate's own machine is held this way."
            )
        case HoldReason.too_fast if "seconds" in f:
            return (
                f"The sale came {_seconds(f['seconds'])} after its click; "
                f"your rule asks for at least {_seconds(f['minimum'])}."
            )
        case HoldReason.shared_address if "sales" in f:
            return (
                f"{f['sales']} sales came from the buyer's address within 24 hours, this one "
                f"included; your rule allows {f['limit']}."
            )
        case HoldReason.no_click if "days" in f:
            days = "1 day" if f["days"] == 1 else f"{f['days']} days"
            return (
                "A coupon sale, and the affiliate has no recorded click on this product "
                f"in the last {days}."
            )
    return _FOR_ADMIN[reason]


def explained(reasons: list[str], evidence: list[dict[str, Any]], *, to_admin: bool) -> list[str]:
    """Each reason of a hold in its reader's words, in the hold's order."""
    facts = {e.get("reason"): e for e in evidence}
    if not to_admin:
        return [FOR_AFFILIATE[HoldReason(r)] for r in reasons]
    return [for_admin(HoldReason(r), facts.get(r)) for r in reasons]
