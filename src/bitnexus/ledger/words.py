"""The ledger in plain words: account names, what each kind of entry means, and balances and
postings told from the reader's side (the affiliate or vendor who owns the account, or the
admin who keeps the platform's books). Pure: names of owners are handed in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.ledger.models import AccountKind

# The display names of users by id (the accounts domain's, passed in by the router).
OwnerNames = Callable[[AsyncSession, Collection[uuid.UUID]], Awaitable[Mapping[uuid.UUID, str]]]


class EntryKind(StrEnum):
    """Every kind of ledger entry, told apart by its idempotency key (and the refund's flag)."""

    commission = "commission"
    renewal = "renewal"
    lead = "lead"
    matured = "matured"
    refund = "refund"
    clawback = "clawback"
    hold_decided = "hold_decided"
    payout_reserved = "payout_reserved"
    payout_paid = "payout_paid"
    payout_failed = "payout_failed"
    reversal = "reversal"
    key_change = "key_change"
    other = "other"


MEANINGS: Mapping[EntryKind, str] = {
    EntryKind.commission: "A sale was reported: the vendor now owes its commission, credited to "
    "the affiliates' earnings (pending, or held for review) and the platform's fee.",
    EntryKind.renewal: "A subscription renewed within the programme's recurring window: the "
    "vendor owes its commission again, credited to the affiliate who brought the subscriber.",
    EntryKind.lead: "A lead (a sign-up, no sale) was reported: the vendor owes the programme's "
    "fixed lead reward, credited to the affiliate who sent it.",
    EntryKind.matured: "The refund window closed: these commissions moved from pending to "
    "available, ready to be paid out.",
    EntryKind.refund: "The sale was refunded inside the refund window: its commissions are "
    "taken back and the vendor owes that much less.",
    EntryKind.clawback: "The sale was refunded after its commission matured: it is taken back "
    "from available earnings, which may go below zero until the next commission.",
    EntryKind.hold_decided: "An admin decided on a commission held for review: approved moves "
    "it to pending, rejected gives it back to the vendor.",
    EntryKind.payout_reserved: "Available earnings were put into a payout batch: reserved for "
    "payment, no longer available.",
    EntryKind.payout_paid: "The payout was sent: the reserved earnings are now paid.",
    EntryKind.payout_failed: "The payout failed: the reserved earnings are available again.",
    EntryKind.reversal: "Cancels an earlier entry with its exact opposite postings.",
    EntryKind.key_change: "The log's signing key changed. This entry moves no money; it records "
    "the new key in the signed log.",
    EntryKind.other: "An entry of the ledger.",
}

_PAYOUT_STEPS = {
    "reserve": EntryKind.payout_reserved,
    "paid": EntryKind.payout_paid,
    "failed": EntryKind.payout_failed,
}


def entry_kind(
    idempotency_key: str, metadata: Mapping[str, Any] | None, reverses_id: uuid.UUID | None
) -> EntryKind:
    """The kind of an entry (see `MEANINGS`)."""
    prefix, _, rest = idempotency_key.partition(":")
    if prefix == "conversion":
        made = metadata or {}
        if made.get("kind") == "lead":
            return EntryKind.lead
        return EntryKind.renewal if made.get("renewal") else EntryKind.commission
    if prefix == "mature":
        return EntryKind.matured
    if prefix == "refund":
        return EntryKind.clawback if (metadata or {}).get("clawback") else EntryKind.refund
    if prefix == "hold":
        return EntryKind.hold_decided
    if prefix == "payout":
        return _PAYOUT_STEPS.get(rest.rpartition(":")[2], EntryKind.other)
    if idempotency_key.startswith("ledger:signing-key:"):
        return EntryKind.key_change
    return EntryKind.reversal if reverses_id is not None else EntryKind.other


# Older refunds end their description with "<refunded> of <sale>" in minor units: screens show
# the amounts formatted in the currency instead.
_MINOR_TAIL = re.compile(r", -?\d+ of -?\d+$")


def title(description: str) -> str:
    """An entry's description as screens show it (no raw minor units)."""
    return _MINOR_TAIL.sub("", description)


def told(
    description: str,
    idempotency_key: str,
    metadata: Mapping[str, Any] | None,
    reverses_id: uuid.UUID | None,
) -> dict[str, Any]:
    """An entry in words, as every read of one carries them: `title`, `kind` and `meaning`."""
    kind = entry_kind(idempotency_key, metadata, reverses_id)
    return {"title": title(description), "kind": kind, "meaning": MEANINGS[kind]}


# ---- accounts: `<party>:<owner id>:<purpose>:<CUR>` or `platform:<purpose>:<CUR>`


@dataclass(frozen=True, slots=True)
class Plan:
    """What an account holds, in words: its purpose, and from its owner's side the balance
    label (positive, negative) and a posting's effect (raising, lowering the balance)."""

    purpose: str
    owed: str
    owing: str
    up: str
    down: str


_PLANS: Mapping[tuple[str, str], Plan] = {
    ("affiliate", "pending"): Plan(
        "pending commissions",
        "You earned, still refundable",
        "You owe",
        "You earned",
        "No longer pending",
    ),
    ("affiliate", "held"): Plan(
        "commissions held for review",
        "Held for review",
        "You owe",
        "Held for review",
        "Released from review",
    ),
    ("affiliate", "available"): Plan(
        "commissions payable", "You are owed", "You owe", "You are owed more", "You are owed less"
    ),
    ("affiliate", "payout"): Plan(
        "commissions in payout",
        "Being paid to you",
        "You owe",
        "Reserved for a payout",
        "Left the payout",
    ),
    ("affiliate", "paid"): Plan(
        "commissions paid out", "Paid to you", "Paid back by you", "Paid to you", "Payment undone"
    ),
    ("vendor", "receivable"): Plan(
        "commissions receivable", "You owe", "You are owed", "You owe more", "You owe less"
    ),
    ("platform", "fees"): Plan(
        "platform fees", "Platform revenue", "Platform revenue", "Fee earned", "Fee returned"
    ),
}

_SOMEONE = {"affiliate": "An affiliate", "vendor": "A vendor"}


@dataclass(frozen=True, slots=True)
class Parsed:
    party: str  # affiliate, vendor, platform, or "" when the code has another shape
    purpose: str


def parse(code: str) -> Parsed:
    parts = code.split(":")
    if len(parts) == 4 and parts[0] in _SOMEONE:
        return Parsed(parts[0], parts[2])
    if len(parts) == 3 and parts[0] == "platform":
        return Parsed("platform", parts[1])
    return Parsed("", code)


def _plan(parsed: Parsed) -> Plan | None:
    return _PLANS.get((parsed.party, parsed.purpose))


def account_name(code: str, currency: str, owner: str | None) -> str:
    """The account in words, e.g. "Ada Lovelace — commissions payable (EUR)": `owner` is the
    owning user's name, or None when the reader may not know it (then the party stands in)."""
    parsed = parse(code)
    plan = _plan(parsed)
    purpose = plan.purpose if plan else parsed.purpose.replace("-", " ").replace("_", " ")
    if parsed.party == "platform":
        return f"{purpose[:1].upper()}{purpose[1:]} ({currency})"
    if not parsed.party:
        return code
    if not owner:
        who = _SOMEONE[parsed.party]
    else:
        who = f"Vendor {owner}" if parsed.party == "vendor" else owner
    return f"{who} — {purpose} ({currency})"


# From the admin's side: the platform's books, where a balance's kind says who owes whom.
BOOK_SIDES: Mapping[str, tuple[str, str]] = {
    AccountKind.asset: ("Asset: owed to the platform", "Asset below zero: the platform owes"),
    AccountKind.liability: ("Liability: the platform owes", "Liability below zero: owed to it"),
    AccountKind.revenue: ("Revenue: the platform earned", "Revenue below zero"),
    AccountKind.equity: ("Equity", "Equity below zero"),
    AccountKind.expense: ("Expense: the platform spent", "Expense below zero"),
}


def balance_label(code: str, kind: str, balance: int, *, owner_reads: bool) -> str:
    """What a balance means to its reader: the owner ("You are owed"), else the platform's
    books ("Liability: the platform owes")."""
    plan = _plan(parse(code))
    if owner_reads and plan is not None:
        return plan.owing if balance < 0 else plan.owed
    owed, owing = BOOK_SIDES.get(kind, (kind, kind))
    return owing if balance < 0 else owed


def effect(code: str, kind: str, amount: int, *, owner_reads: bool) -> str:
    """What a posting (`amount` on the account's normal side, as statements show it) did, for
    the reader: "You earned", "You owe less", or in the books "Asset up", "Liability down"."""
    plan = _plan(parse(code))
    if owner_reads and plan is not None:
        return plan.up if amount >= 0 else plan.down
    owed, _ = BOOK_SIDES.get(kind, (kind, kind))
    return f"{owed.split(':')[0]} {'up' if amount >= 0 else 'down'}"
