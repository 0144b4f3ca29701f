"""Every query on payout methods, batches and items (RLS scopes them to the tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.ledger.models import LedgerAccount
from bitnexus.payouts.models import PayoutBatch, PayoutItem, PayoutMethod


@dataclass(frozen=True)
class Holder:
    """A member's available-earnings ledger account in one currency."""

    account_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str


async def method(session: AsyncSession, user_id: uuid.UUID) -> PayoutMethod | None:
    found = await session.execute(select(PayoutMethod).where(PayoutMethod.user_id == user_id))
    return found.scalar_one_or_none()


async def methods(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PayoutMethod]:
    rows = await session.execute(select(PayoutMethod).where(PayoutMethod.user_id.in_(user_ids)))
    return {m.user_id: m for m in rows.scalars()}


async def available_accounts(session: AsyncSession, currency: str) -> list[Holder]:
    """Every member's available-earnings account in `currency`."""
    rows = await session.execute(
        select(LedgerAccount.id, User.id, User.name, User.email)
        .join(
            User,
            (User.tenant_id == LedgerAccount.tenant_id) & (User.id == LedgerAccount.owner_user_id),
        )
        .where(
            LedgerAccount.code.like("affiliate:%:available:%"),
            LedgerAccount.currency == currency,
        )
    )
    return [Holder(r[0], r[1], r[2], r[3]) for r in rows]


async def lock_payouts(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """One batch is made at a time per tenant (held until the transaction ends)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('payouts:' || :t, 0))"),
        {"t": str(tenant_id)},
    )


async def open_batch(session: AsyncSession, currency: str) -> PayoutBatch | None:
    found = await session.execute(
        select(PayoutBatch).where(PayoutBatch.status == "open", PayoutBatch.currency == currency)
    )
    return found.scalar_one_or_none()


async def batch_since(session: AsyncSession, currency: str, since: dt.datetime) -> bool:
    found = await session.execute(
        select(PayoutBatch.id)
        .where(PayoutBatch.currency == currency, PayoutBatch.created_at >= since)
        .limit(1)
    )
    return found.first() is not None


async def next_number(session: AsyncSession) -> int:
    found = await session.execute(select(func.coalesce(func.max(PayoutBatch.number), 0)))
    return int(found.scalar_one()) + 1


async def batch(
    session: AsyncSession, batch_id: uuid.UUID, *, lock: bool = False
) -> PayoutBatch | None:
    return await session.get(PayoutBatch, batch_id, with_for_update=lock, populate_existing=lock)


async def batches(session: AsyncSession, limit: int | None) -> list[tuple[PayoutBatch, int, int]]:
    """Batches, newest first, with their item count and total."""
    rows = await session.execute(
        select(
            PayoutBatch,
            func.count(PayoutItem.id),
            func.coalesce(func.sum(PayoutItem.amount_minor), 0),
        )
        .outerjoin(
            PayoutItem,
            (PayoutItem.tenant_id == PayoutBatch.tenant_id)
            & (PayoutItem.batch_id == PayoutBatch.id),
        )
        .group_by(PayoutBatch.tenant_id, PayoutBatch.id)  # the key: the other columns follow
        .order_by(PayoutBatch.created_at.desc(), PayoutBatch.id)
        .limit(limit)
    )
    return [(b, int(n), int(total)) for b, n, total in rows.all()]


async def items(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None = None,
    affiliate_id: uuid.UUID | None = None,
) -> list[tuple[PayoutItem, str]]:
    """Items with their affiliate's name: a batch's by reference, or an affiliate's newest first."""
    stmt = select(PayoutItem, User.name).join(
        User, (User.tenant_id == PayoutItem.tenant_id) & (User.id == PayoutItem.affiliate_id)
    )
    if batch_id is not None:
        stmt = stmt.where(PayoutItem.batch_id == batch_id).order_by(PayoutItem.reference)
    if affiliate_id is not None:
        stmt = stmt.where(PayoutItem.affiliate_id == affiliate_id).order_by(
            PayoutItem.created_at.desc(), PayoutItem.reference
        )
    return [(i, name) for i, name in (await session.execute(stmt)).all()]


async def item(session: AsyncSession, item_id: uuid.UUID) -> PayoutItem | None:
    return await session.get(PayoutItem, item_id, with_for_update=True, populate_existing=True)


async def pending_left(session: AsyncSession, batch_id: uuid.UUID) -> int:
    found = await session.execute(
        select(func.count())
        .select_from(PayoutItem)
        .where(PayoutItem.batch_id == batch_id, PayoutItem.status == "pending")
    )
    return int(found.scalar_one())


async def emails(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
    return {r.id: r.email for r in rows}
