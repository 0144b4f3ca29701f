"""The demo organisation's subscription and lead: renewals credited to the first sale's
affiliate under a 12-renewal recurring rule, and a sign-up rewarded with the lead reward."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.models import Product
from bitnexus.commissions.schemas import ConversionCreate, LeadCreate
from bitnexus.commissions.service import conversions
from bitnexus.commissions.service.attribution import NotYet
from bitnexus.commissions.service.conversions import Reporter

DEMO_SUBSCRIPTION = "SUB-DEMO-1"
RENEWALS = 4  # a first payment four months ago, then one renewal a month
LEAD_REWARD_MINOR = 200


async def seed_demo(
    session: AsyncSession, reporter: Reporter, product: Product, coupon: str, now: dt.datetime
) -> None:
    """A monthly subscription sold with `coupon` and its renewals, and one lead (the caller
    seeds once: orders already reported would only be replayed)."""
    tenant = reporter.tenant
    tenant.recurring, tenant.recurring_limit = "renewals", 12
    tenant.lead_reward_minor = LEAD_REWARD_MINOR
    for month in range(RENEWALS + 1):
        sale = ConversionCreate(
            order_id=f"{DEMO_SUBSCRIPTION}-{month}",
            amount_minor=product.price_minor,
            currency=product.currency,
            coupon=coupon if month == 0 else None,
            customer_ref="subscriber-1",
            subscription_id=DEMO_SUBSCRIPTION,
        )
        at = now - dt.timedelta(days=30 * (RENEWALS - month) + 1)
        outcome = await conversions.record(session, reporter, sale, now=at)
        assert not isinstance(outcome, NotYet)  # no clicks: decided at once
    lead = LeadCreate(lead_id="DEMO-SIGNUP-1", coupon=coupon, customer_ref="signup-1")
    outcome = await conversions.record(session, reporter, lead, now=now - dt.timedelta(days=2))
    assert not isinstance(outcome, NotYet)
