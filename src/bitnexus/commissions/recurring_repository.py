"""Every query on subscriptions, and on the sales of one subscription (RLS scopes them to the
transaction's tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.commissions.models import Conversion, Subscription


async def subscriptions(
    session: AsyncSession, keys: set[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], Subscription]:
    """The subscriptions of these (vendor, subscription id) pairs, locked in primary-key order."""
    found = await session.execute(
        select(Subscription)
        .where(tuple_(Subscription.vendor_id, Subscription.subscription_ref).in_(list(keys)))
        .order_by(Subscription.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {(s.vendor_id, s.subscription_ref): s for s in found.scalars()}


async def insert_subscriptions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Start subscriptions (one statement); one another unit of work started meanwhile stays."""
    if rows:
        await session.execute(insert(Subscription).on_conflict_do_nothing(), list(rows))


async def count_renewals(
    session: AsyncSession, subscription_id: uuid.UUID, renewals: int, earned: int
) -> None:
    await session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id)
        .values(
            renewals=Subscription.renewals + renewals,
            renewals_earned=Subscription.renewals_earned + earned,
        )
    )


async def subscription(
    session: AsyncSession, vendor_id: uuid.UUID | None, ref: str
) -> Subscription | None:
    """A subscription by the vendor's id (any vendor's, for `vendor_id` None: the first)."""
    stmt = select(Subscription).where(Subscription.subscription_ref == ref)
    if vendor_id is not None:
        stmt = stmt.where(Subscription.vendor_id == vendor_id)
    found = await session.execute(stmt.order_by(Subscription.started_at).limit(1))
    return found.scalar_one_or_none()


async def sales_of(session: AsyncSession, subscription: Subscription) -> Sequence[Conversion]:
    """The sales of a subscription, its first sale first."""
    found = await session.execute(
        select(Conversion)
        .where(
            Conversion.vendor_id == subscription.vendor_id,
            Conversion.subscription_ref == subscription.subscription_ref,
        )
        .order_by(Conversion.renewal, Conversion.created_at)
    )
    return found.scalars().all()
