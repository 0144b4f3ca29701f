"""Every query on fraud holds and their history (RLS scopes them to the transaction's
tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.catalog.models import Product
from bitnexus.commissions.models import Conversion, FraudHold, FraudHoldEvent
from bitnexus.core.schemas import Cursor


async def hold(
    session: AsyncSession, hold_id: uuid.UUID, *, lock: bool = False
) -> FraudHold | None:
    return await session.get(FraudHold, hold_id, with_for_update=lock, populate_existing=lock)


async def holds_of(
    session: AsyncSession, conversion_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FraudHold]:
    rows = await session.execute(
        select(FraudHold).where(FraudHold.conversion_id.in_(conversion_ids))
    )
    return {h.conversion_id: h for h in rows.scalars()}


async def holds(
    session: AsyncSession,
    *,
    affiliate_id: uuid.UUID | None,
    status: str | None,
    after: Cursor | None,
    limit: int,
) -> Sequence[FraudHold]:
    stmt = select(FraudHold).order_by(FraudHold.created_at.desc(), FraudHold.id.desc())
    if affiliate_id is not None:
        stmt = stmt.where(FraudHold.affiliate_id == affiliate_id)
    if status is not None:
        stmt = stmt.where(FraudHold.status == status)
    if after is not None:
        stmt = stmt.where(
            tuple_(FraudHold.created_at, FraudHold.id) < tuple_(after.created_at, after.id)
        )
    return (await session.execute(stmt.limit(limit))).scalars().all()


async def hold_details(
    session: AsyncSession, hold_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Conversion, str, str | None, list[FraudHoldEvent]]]:
    """Each hold's sale, affiliate name, product title and history, oldest step first."""
    rows = await session.execute(
        select(FraudHold.id, Conversion, User.name, Product.title)
        .join(
            Conversion,
            (Conversion.tenant_id == FraudHold.tenant_id)
            & (Conversion.id == FraudHold.conversion_id),
        )
        .join(User, (User.tenant_id == FraudHold.tenant_id) & (User.id == FraudHold.affiliate_id))
        .outerjoin(
            Product,
            (Product.tenant_id == Conversion.tenant_id) & (Product.id == Conversion.product_id),
        )
        .where(FraudHold.id.in_(hold_ids))
    )
    events = await session.execute(
        select(FraudHoldEvent)
        .where(FraudHoldEvent.hold_id.in_(hold_ids))
        .order_by(FraudHoldEvent.created_at, FraudHoldEvent.id)
    )
    history: dict[uuid.UUID, list[FraudHoldEvent]] = {i: [] for i in hold_ids}
    for event in events.scalars():
        history[event.hold_id].append(event)
    return {r[0]: (r[1], r[2], r[3], history[r[0]]) for r in rows}


async def hold_counts(
    session: AsyncSession, affiliate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """How many holds each of these affiliates has had, by status."""
    rows = await session.execute(
        select(FraudHold.affiliate_id, FraudHold.status, func.count())
        .where(FraudHold.affiliate_id.in_(affiliate_ids))
        .group_by(FraudHold.affiliate_id, FraudHold.status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for affiliate_id, status, n in rows:
        counts.setdefault(affiliate_id, {})[status] = n
    return counts
