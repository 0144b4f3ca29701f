"""The organisation's recurring rule: which renewals of a subscription earn a commission.

A subscription starts with its first sale (renewal 0, attributed as any sale). Renewal n earns
while the rule allows: never ("off"), for `limit` months after the first sale (a renewal made
before the same day of the month `limit` months on earns; the day is clamped to the month's
end), for the first `limit` renewals, or "forever".
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.commissions import recurring_repository
from bitnexus.commissions.models import Attribution, Subscription, Unattributed

if TYPE_CHECKING:
    from bitnexus.commissions.service.drafts import Draft


@dataclass(frozen=True, slots=True)
class RecurringRule:
    kind: str  # "off", "months", "renewals" or "forever"
    limit: int | None = None  # months or renewals

    def why_not(
        self, renewal: int, started_at: dt.datetime, at: dt.datetime
    ) -> Unattributed | None:
        """Why renewal number `renewal` (from 1), made `at`, earns nothing; None if it earns."""
        if self.kind == "off":
            return Unattributed.recurring_off
        if self.kind == "renewals":
            assert self.limit is not None
            return None if renewal <= self.limit else Unattributed.recurring_ended
        if self.kind == "months":
            assert self.limit is not None
            return None if at < add_months(started_at, self.limit) else Unattributed.recurring_ended
        return None

    @property
    def renewals(self) -> int | None:
        """How many renewals earn, when the rule counts them ("Renewal 3 of 12")."""
        return self.limit if self.kind == "renewals" else None


@dataclass(slots=True)
class Subscribed:
    """A subscription as a batch of sales sees it: its counters count the batch's renewals
    decided so far (`new`: its first sale is in this batch)."""

    id: uuid.UUID
    vendor_id: uuid.UUID
    subscription_ref: str
    affiliate_id: uuid.UUID | None
    product_id: uuid.UUID | None
    first_order_id: str
    started_at: dt.datetime
    renewals: int
    renewals_earned: int
    new: bool = False

    @classmethod
    def of(cls, row: Subscription) -> Subscribed:
        return cls(
            id=row.id,
            vendor_id=row.vendor_id,
            subscription_ref=row.subscription_ref,
            affiliate_id=row.affiliate_id,
            product_id=row.product_id,
            first_order_id=row.first_order_id,
            started_at=row.started_at,
            renewals=row.renewals,
            renewals_earned=row.renewals_earned,
        )


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months on (the 31st clamped to the month's end)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


async def count(session: AsyncSession, tenant_id: uuid.UUID, kept: Sequence[Draft]) -> None:
    """Store what the batch's kept sales did to their subscriptions: the ones started (with
    their renewals in the batch) inserted in one statement, the renewals of the others added."""
    counted: dict[uuid.UUID, tuple[Subscribed, int, int]] = {}
    for d in kept:
        subscribed, number = d.subscription, d.conversion.renewal
        if subscribed is None or number is None:
            continue
        _, renewals, earned = counted.get(subscribed.id, (subscribed, 0, 0))
        paid = d.conversion.attribution == Attribution.renewal
        counted[subscribed.id] = (subscribed, renewals + (number > 0), earned + paid)
    started = [
        {
            "id": s.id,
            "tenant_id": tenant_id,
            "vendor_id": s.vendor_id,
            "subscription_ref": s.subscription_ref,
            "affiliate_id": s.affiliate_id,
            "product_id": s.product_id,
            "first_order_id": s.first_order_id,
            "started_at": s.started_at,
            "renewals": renewals,
            "renewals_earned": earned,
        }
        for s, renewals, earned in counted.values()
        if s.new
    ]
    await recurring_repository.insert_subscriptions(session, started)
    for s, renewals, earned in counted.values():
        if not s.new and renewals:
            await recurring_repository.count_renewals(session, s.id, renewals, earned)
