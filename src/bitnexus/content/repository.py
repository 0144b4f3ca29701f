"""Every query on content_generations and content_credit_usage."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.content.models import CreditUsage, Generation

# One statement charges or refuses: the conditional upsert locks the month's row, so concurrent
# generations are counted one after another against the quota and exactly the quota succeed
# (tests/content/test_credits.py). No row comes back when the charge would pass the quota.
CHARGE = text(
    """
    INSERT INTO content_credit_usage AS u (tenant_id, month, used)
    SELECT CAST(:tenant_id AS uuid), CAST(:month AS date), CAST(:cost AS integer)
    WHERE CAST(:cost AS integer) <= CAST(:quota AS integer)
    ON CONFLICT (tenant_id, month) DO UPDATE SET used = u.used + excluded.used
        WHERE u.used + excluded.used <= CAST(:quota AS integer)
    RETURNING u.used
    """
)


async def charge(
    session: AsyncSession, tenant_id: uuid.UUID, month: dt.date, cost: int, quota: int
) -> int | None:
    """Add `cost` to the month's usage if it stays within `quota`: the new total, or None."""
    row = (
        await session.execute(
            CHARGE, {"tenant_id": tenant_id, "month": month, "cost": cost, "quota": quota}
        )
    ).first()
    return None if row is None else int(row[0])


async def used(session: AsyncSession, tenant_id: uuid.UUID, month: dt.date) -> int:
    found = await session.scalar(
        select(CreditUsage.used).where(
            CreditUsage.tenant_id == tenant_id, CreditUsage.month == month
        )
    )
    return found or 0


async def add(session: AsyncSession, generation: Generation) -> Generation:
    session.add(generation)
    await session.flush()
    return generation


async def listed(
    session: AsyncSession,
    *,
    affiliate_id: uuid.UUID | None,
    product_id: uuid.UUID | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Generation]:
    """Newest first, `limit + 1` rows (the extra one says another page follows)."""
    stmt = select(Generation)
    if affiliate_id is not None:
        stmt = stmt.where(Generation.affiliate_id == affiliate_id)
    if product_id is not None:
        stmt = stmt.where(Generation.product_id == product_id)
    if after is not None:
        stmt = stmt.where(tuple_(Generation.created_at, Generation.id) < tuple_(*after))
    stmt = stmt.order_by(Generation.created_at.desc(), Generation.id.desc()).limit(limit + 1)
    return list((await session.execute(stmt)).scalars())
