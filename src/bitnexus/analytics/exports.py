"""The columns of the affiliate directory's export (`core/export.py`): one row per affiliate,
the figures the directory shows, money in the directory's currency."""

from __future__ import annotations

from bitnexus.analytics.schemas import AffiliateSummary
from bitnexus.core import export


def _cur(row: AffiliateSummary) -> str:
    return row.balances.currency


AFFILIATE_COLUMNS: list[export.Column[AffiliateSummary]] = [
    export.text("Name", lambda r: r.name),
    export.text("Email", lambda r: r.email),
    export.text("Status", lambda r: r.status.value),
    export.timestamp("Joined (UTC)", lambda r: r.joined_at),
    export.text("Tier", lambda r: r.tier.value),
    export.text("Group", lambda r: r.group.name if r.group else ""),
    export.text("Referred by", lambda r: r.referred_by.name if r.referred_by else ""),
    export.integer("Referrals", lambda r: r.referrals),
    export.integer("Clicks", lambda r: r.clicks),
    export.integer("Unique clicks", lambda r: r.unique_clicks),
    export.integer("Sales", lambda r: r.conversions),
    export.money("Sales value", lambda r: r.sales_minor, _cur),
    export.money("Earned in range", lambda r: r.earnings_minor, _cur),
    export.money("Pending", lambda r: r.balances.pending_minor, _cur),
    export.money("Held for review", lambda r: r.balances.held_minor, _cur),
    export.money("Available", lambda r: r.balances.available_minor, _cur),
    export.money("In payment", lambda r: r.balances.in_payment_minor, _cur),
    export.money("Paid", lambda r: r.balances.paid_minor, _cur),
    export.text("Currency", _cur),
    export.integer("Holds under review", lambda r: r.holds.open),
    export.integer("Holds approved", lambda r: r.holds.approved),
    export.integer("Holds rejected", lambda r: r.holds.rejected),
    export.text("Affiliate ID", lambda r: r.id),
]
