"""Every query on the ledger tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.ledger.models import (
    LedgerAccount,
    LedgerAlarm,
    LedgerBalance,
    LedgerBlock,
    LedgerPosting,
    LedgerSequencer,
    LedgerTransaction,
    normal_sign,
)


async def accounts_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, LedgerAccount]:
    rows = await session.execute(select(LedgerAccount).where(LedgerAccount.code.in_(codes)))
    return {a.code: a for a in rows.scalars()}


async def account_codes(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(LedgerAccount.id, LedgerAccount.code).where(LedgerAccount.id.in_(ids))
    )
    return {row.id: row.code for row in rows}


async def insert_account(session: AsyncSession, account: LedgerAccount) -> bool:
    """Insert unless the code exists; True when this call created it."""
    stmt = (
        insert(LedgerAccount)
        .values(
            id=account.id,
            tenant_id=account.tenant_id,
            code=account.code,
            kind=account.kind,
            currency=account.currency,
            may_go_negative=account.may_go_negative,
            owner_user_id=account.owner_user_id,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "code"])
        .returning(LedgerAccount.id)
    )
    created = (await session.execute(stmt)).scalar_one_or_none() is not None
    if created:
        await session.execute(
            insert(LedgerBalance).values(
                tenant_id=account.tenant_id,
                account_id=account.id,
                balance=0,
                may_go_negative=account.may_go_negative,
            )
        )
    return created


async def lock_sequencer(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Lock the tenant's sequencer row (creating it once) and return the next sequence number."""
    await session.execute(
        insert(LedgerSequencer).values(tenant_id=tenant_id, next_seq=0).on_conflict_do_nothing()
    )
    return (
        await session.execute(
            select(LedgerSequencer.next_seq)
            .where(LedgerSequencer.tenant_id == tenant_id)
            .with_for_update()
        )
    ).scalar_one()


async def advance_sequencer(session: AsyncSession, tenant_id: uuid.UUID, next_seq: int) -> None:
    await session.execute(
        update(LedgerSequencer)
        .where(LedgerSequencer.tenant_id == tenant_id)
        .values(next_seq=next_seq)
    )


async def transaction_by_key(session: AsyncSession, key: str) -> LedgerTransaction | None:
    return (
        await session.execute(
            select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
        )
    ).scalar_one_or_none()


async def transaction(session: AsyncSession, transaction_id: uuid.UUID) -> LedgerTransaction | None:
    return await session.get(LedgerTransaction, transaction_id)


async def postings_of(session: AsyncSession, transaction_id: uuid.UUID) -> list[LedgerPosting]:
    rows = await session.execute(
        select(LedgerPosting)
        .where(LedgerPosting.transaction_id == transaction_id)
        .order_by(LedgerPosting.position)
    )
    return list(rows.scalars())


async def apply_to_balance(session: AsyncSession, account_id: uuid.UUID, amount: int) -> int | None:
    """Add `amount` atomically; None when the account may not go negative and would."""
    stmt = (
        update(LedgerBalance)
        .where(
            LedgerBalance.account_id == account_id,
            LedgerBalance.may_go_negative | (LedgerBalance.balance + amount >= 0),
        )
        .values(balance=LedgerBalance.balance + amount)
        .returning(LedgerBalance.balance)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def balance(session: AsyncSession, account_id: uuid.UUID) -> int:
    return (
        await session.execute(
            select(LedgerBalance.balance).where(LedgerBalance.account_id == account_id)
        )
    ).scalar_one()


async def sum_of_postings(session: AsyncSession, account_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.coalesce(func.sum(LedgerPosting.amount), 0)).where(
                    LedgerPosting.account_id == account_id
                )
            )
        ).scalar_one()
    )


async def block_at(session: AsyncSession, height: int) -> LedgerBlock | None:
    return (
        await session.execute(select(LedgerBlock).where(LedgerBlock.height == height))
    ).scalar_one_or_none()


async def block_of_size(session: AsyncSession, tree_size: int) -> LedgerBlock | None:
    return (
        await session.execute(
            select(LedgerBlock)
            .where(LedgerBlock.tree_size == tree_size)
            .order_by(LedgerBlock.height)
            .limit(1)
        )
    ).scalar_one_or_none()


async def transactions_between(
    session: AsyncSession, from_seq: int, before_seq: int | None, limit: int
) -> list[LedgerTransaction]:
    """Transactions with `from_seq <= seq < before_seq`, newest first."""
    stmt = (
        select(LedgerTransaction)
        .where(LedgerTransaction.seq >= from_seq)
        .order_by(LedgerTransaction.seq.desc())
        .limit(limit)
    )
    if before_seq is not None:
        stmt = stmt.where(LedgerTransaction.seq < before_seq)
    return list((await session.execute(stmt)).scalars())


async def leaves_from(session: AsyncSession, start: int, limit: int) -> list[bytes]:
    rows = await session.execute(
        select(LedgerTransaction.leaf)
        .where(LedgerTransaction.seq >= start)
        .order_by(LedgerTransaction.seq)
        .limit(limit)
    )
    return list(rows.scalars())


async def latest_block(session: AsyncSession) -> LedgerBlock | None:
    return (
        await session.execute(select(LedgerBlock).order_by(LedgerBlock.height.desc()).limit(1))
    ).scalar_one_or_none()


async def alarms(session: AsyncSession, limit: int) -> list[LedgerAlarm]:
    rows = await session.execute(
        select(LedgerAlarm).order_by(LedgerAlarm.created_at.desc(), LedgerAlarm.id).limit(limit)
    )
    return list(rows.scalars())


async def first_block_covering(session: AsyncSession, seq: int) -> LedgerBlock | None:
    """The latest block (its checkpoint includes every earlier one) if it covers `seq`."""
    latest = await latest_block(session)
    return latest if latest is not None and latest.tree_size > seq else None


async def blocks_before(session: AsyncSession, height: int | None, limit: int) -> list[LedgerBlock]:
    stmt = select(LedgerBlock).order_by(LedgerBlock.height.desc()).limit(limit)
    if height is not None:
        stmt = stmt.where(LedgerBlock.height < height)
    return list((await session.execute(stmt)).scalars())


async def accounts_owned_by(
    session: AsyncSession, user_id: uuid.UUID | None
) -> list[LedgerAccount]:
    """Accounts of one user, or every account when `user_id` is None (tenant admins)."""
    stmt = select(LedgerAccount).order_by(LedgerAccount.code)
    if user_id is not None:
        stmt = stmt.where(LedgerAccount.owner_user_id == user_id)
    return list((await session.execute(stmt)).scalars())


async def statement(
    session: AsyncSession, account: LedgerAccount, before_seq: int | None, limit: int
) -> list[Any]:
    """Postings of an account, newest first, each with the running balance after it."""
    sign = normal_sign(account.kind)
    running = (
        select(
            LedgerTransaction.seq,
            LedgerTransaction.id.label("transaction_id"),
            LedgerTransaction.created_at,
            LedgerTransaction.description,
            (LedgerPosting.amount * sign).label("amount"),
            func.sum(LedgerPosting.amount * sign)
            .over(order_by=(LedgerTransaction.seq, LedgerPosting.position))
            .label("balance"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerPosting.account_id == account.id)
        .subquery()
    )
    stmt = select(running).order_by(running.c.seq.desc()).limit(limit)
    if before_seq is not None:
        stmt = stmt.where(running.c.seq < before_seq)
    return list((await session.execute(stmt)).all())


async def touches_accounts_of(
    session: AsyncSession, transaction_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Whether a transaction posts to an account the user owns."""
    found = await session.execute(
        select(LedgerPosting.position)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(
            LedgerPosting.transaction_id == transaction_id, LedgerAccount.owner_user_id == user_id
        )
        .limit(1)
    )
    return found.first() is not None


async def position(session: AsyncSession) -> tuple[int, int]:
    height = (await session.execute(select(func.max(LedgerBlock.height)))).scalar_one_or_none()
    seq = (await session.execute(select(func.max(LedgerTransaction.seq)))).scalar_one_or_none()
    return (-1 if height is None else height), (-1 if seq is None else seq)
