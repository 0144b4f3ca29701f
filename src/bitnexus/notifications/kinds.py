"""The kinds of notification, the events each is made from, and how each reads.

A kind groups the event types a person decides about together ("my held commissions" covers a
hold and its decision). Each has a default channel: `mail` (in the app and by mail), `in_app`,
or `off`; a user may choose another per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bitnexus.core.money import as_decimal


class Channel(StrEnum):
    mail = "mail"  # in the app and by mail
    in_app = "in_app"
    off = "off"


class Kind(StrEnum):
    commission_created = "commission_created"
    commission_held = "commission_held"
    hold_decided = "hold_decided"
    commission_available = "commission_available"
    commission_cut = "commission_cut"
    tier_changed = "tier_changed"
    group_changed = "group_changed"
    payout = "payout"
    sale_reported = "sale_reported"
    product_reviewed = "product_reviewed"
    product_submitted = "product_submitted"
    hold_appealed = "hold_appealed"
    ledger_alarm = "ledger_alarm"


@dataclass(frozen=True)
class Told:
    """A notification's words and where in the app it leads."""

    title: str
    body: str
    link: str


Data = Mapping[str, Any]


def _money(data: Data, key: str = "amount_minor") -> str:
    return f"{as_decimal(int(data[key]), str(data['currency']))} {data['currency']}"


def _product(data: Data) -> str:
    return str(data.get("product_title") or data.get("title") or "a product")


def _reasons(data: Data) -> str:
    return ", ".join(str(r).replace("_", " ") for r in data.get("reasons", [])) or "a fraud rule"


def _percent(bps: int) -> str:
    """Basis points as a percentage: 3000 -> "30%", 1250 -> "12.5%"."""
    whole, part = divmod(bps, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def _group_terms(data: Data) -> str:
    """What a move means for an affiliate's next sales and payouts."""
    if not data.get("group_name"):
        return "Your next sales earn by the programme's usual rules."
    cur = str(data.get("currency", ""))
    if data.get("commission_fixed_minor") is not None:
        rate = f"{_money({'amount_minor': data['commission_fixed_minor'], 'currency': cur})} a sale"
    elif data.get("commission_bps") is not None:
        rate = _percent(int(data["commission_bps"]))
    else:
        rate = "the programme's rate"
    on = "its products" if data.get("products") else "every product"
    told = f"From your next sale you earn {rate} on {on}."
    if data.get("payout_threshold_minor") is not None:
        low = _money({"amount_minor": data["payout_threshold_minor"], "currency": cur})
        told += f" You are paid once {low} is available."
    return told


@dataclass(frozen=True)
class Spec:
    kind: Kind
    label: str  # what the preferences page calls it
    default: Channel
    tell: Callable[[str, Data], Told]  # (event type, its data) → words
    admin_link: str | None = None  # where it leads an organisation's admin, if elsewhere
    to_user: bool = True  # told to the user its event names (`user:`)
    to_admins: bool = True  # told to the organisation's admins when its event names them


SPECS: dict[Kind, Spec] = {
    spec.kind: spec
    for spec in [
        Spec(
            Kind.commission_created, "A new commission", Channel.in_app,
            lambda _t, d: Told(
                f"New commission: {_money(d)}",
                f"You earned {_money(d)} on a sale of {_product(d)}"
                + (" (held for review)." if d.get("state") == "held" else "."),
                "/app/commissions",
            ),
        ),
        Spec(
            Kind.commission_held, "A commission held for review", Channel.mail,
            lambda _t, d: Told(
                "A commission is held for review",
                f"A sale's commission is held: {_reasons(d)}. It can be appealed and is "
                "decided by the organisation's admins.",
                "/app/commissions",
            ),
            admin_link="/app/fraud",
        ),
        Spec(
            Kind.hold_decided, "A decision on a held commission", Channel.mail,
            lambda t, d: Told(
                "Held commission approved" if t == "commission.released"
                else "Held commission rejected",
                "The commission was released: it matures with its sale."
                if t == "commission.released"
                else "The commission was rejected"
                + (f": {d['message']}" if d.get("message") else "."),
                "/app/commissions",
            ),
            admin_link="/app/fraud",
        ),
        Spec(
            Kind.commission_available, "A commission ready to be paid", Channel.mail,
            lambda _t, d: Told(
                f"Commission available: {_money(d)}",
                f"{_money(d)} is now available: it will be in your next payout.",
                "/app/earnings",
            ),
        ),
        Spec(
            Kind.commission_cut, "A commission cut by a refund", Channel.in_app,
            lambda t, d: Told(
                f"Commission reduced by {_money(d)}",
                ("A refund took back " if t == "commission.clawed_back" else "A refund reduced ")
                + f"{_money(d)}" + (f" ({d['reason']})." if d.get("reason") else "."),
                "/app/commissions",
            ),
        ),
        Spec(
            Kind.tier_changed, "A change of tier", Channel.mail,
            lambda _t, d: Told(
                f"You are now {str(d.get('tier', '')).title()}",
                f"Your tier moved from {str(d.get('previous', '')).title()} to "
                f"{str(d.get('tier', '')).title()}.",
                "/app/earnings",
            ),
        ),
        Spec(
            Kind.group_changed, "A move to another group", Channel.mail,
            lambda _t, d: Told(
                f"You joined {d['group_name']}" if d.get("group_name")
                else f"You left {d.get('from_group_name') or 'your group'}",
                _group_terms(d), "/app/payouts",
            ),
            to_admins=False,  # an admin moved them
        ),
        Spec(
            Kind.payout, "A payout paid or failed", Channel.mail,
            lambda t, d: Told(
                "Payout paid" if t == "payout.paid" else "Payout failed",
                (f"{_money(d)} was paid to you." if t == "payout.paid"
                 else f"A payout of {_money(d)} failed"
                 + (f": {d['reason']}." if d.get("reason") else ".")),
                "/app/payouts",
            ),
            to_admins=False,  # they follow payouts on the batches page
        ),
        Spec(
            Kind.sale_reported, "A sale reported", Channel.in_app,
            lambda _t, d: Told(
                f"New sale: {_money(d)}",
                f"Order {d.get('order_id', '')} of {_product(d)} for {_money(d)}.",
                "/app/sales",
            ),
        ),
        Spec(
            Kind.product_reviewed, "A decision on my product", Channel.mail,
            lambda t, d: Told(
                "Product approved" if t == "product.approved" else "Product rejected",
                f"{_product(d)} was "
                + ("approved: affiliates can promote it now." if t == "product.approved"
                   else "rejected" + (f": {d['reason']}." if d.get("reason") else ".")),
                f"/app/products/{d['product_id']}" if d.get("product_id") else "/app/products",
            ),
        ),
        Spec(
            Kind.product_submitted, "A product to review", Channel.in_app,
            lambda _t, d: Told(
                "A product to review", f"{_product(d)} waits for review.", "/app/vetting"
            ),
            to_user=False,  # its vendor submitted it
        ),
        Spec(
            Kind.hold_appealed, "An appeal on a held commission", Channel.in_app,
            lambda _t, d: Told(
                "An affiliate appealed a hold",
                f"“{d.get('message', '')}”" if d.get("message") else "A hold was appealed.",
                "/app/fraud",
            ),
        ),
        Spec(
            Kind.ledger_alarm, "The ledger found tampering (a halt or a witness's refusal)",
            Channel.mail,
            lambda _t, d: Told(
                "Ledger alarm: sealing stopped" if d.get("halted", True)
                else "Ledger alarm: a witness refused a checkpoint",
                f"{d.get('detail', 'The ledger was tampered with.')} "
                + ("Ask your operator to investigate before anything more is signed."
                   if d.get("halted", True)
                   else "Both checkpoints are kept as evidence on the Ledger page."),
                "/app/ledger",
            ),
            to_user=False,  # raised by the sealer or a witness, about the organisation's log
        ),
    ]
}  # fmt: skip

# the event types people are told of; the topics an event names say who
KIND_OF: dict[str, Kind] = {
    "commission.created": Kind.commission_created,
    "commission.held": Kind.commission_held,
    "commission.released": Kind.hold_decided,
    "commission.rejected": Kind.hold_decided,
    "commission.matured": Kind.commission_available,
    "commission.reversed": Kind.commission_cut,
    "commission.clawed_back": Kind.commission_cut,
    "tier.changed": Kind.tier_changed,
    "group.changed": Kind.group_changed,
    "payout.paid": Kind.payout,
    "payout.failed": Kind.payout,
    "conversion.created": Kind.sale_reported,
    "product.approved": Kind.product_reviewed,
    "product.rejected": Kind.product_reviewed,
    "product.submitted": Kind.product_submitted,
    "hold.appealed": Kind.hold_appealed,
    "ledger.alarm": Kind.ledger_alarm,
}
