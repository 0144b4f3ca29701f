"""Every query on the ledger tables."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core import bulk
from bitnexus.ledger.models import (
    LedgerAccount,
    LedgerAlarm,
    LedgerBalance,
    LedgerBlock,
    LedgerPosting,
    LedgerTransaction,
    normal_sign,
)


@dataclass(frozen=True, slots=True)
class NewTransaction:
    """What an append writes; the integrator adds the sequence number and leaf later."""

    id: uuid.UUID
    idempotency_key: str
    request_digest: bytes
    description: str
    metadata: dict[str, Any]
    reverses_id: uuid.UUID | None
    created_at: dt.datetime
    postings: Sequence[tuple[str, int, str]]  # (account code, amount, currency)


class AppendedPosting(NamedTuple):
    """One posting as an append resolved it (account columns are NULL when it is unknown)."""

    item: int  # its transaction's index in the batch
    position: int
    code: str
    amount: int
    currency: str
    account_id: uuid.UUID | None
    kind: str | None
    account_currency: str | None
    may_go_negative: bool | None
    inserted: bool  # False: nothing was written for this posting's transaction


async def accounts_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, LedgerAccount]:
    rows = await session.execute(select(LedgerAccount).where(LedgerAccount.code.in_(codes)))
    return {a.code: a for a in rows.scalars()}


async def accounts_by_ids(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    rows = await session.execute(select(LedgerAccount).where(LedgerAccount.id.in_(ids)))
    return {a.id: a for a in rows.scalars()}


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
            )
        )
    return created


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


async def append(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    transactions: Sequence[NewTransaction],
    *,
    guarded: bool,
) -> list[list[AppendedPosting]]:
    """Insert transactions and their postings in one statement, resolving account codes.

    Nothing is written for a transaction when one of its accounts is unknown or in another
    currency, when its idempotency key is taken (committed, or committing: the insert waits for
    it), or, unless `guarded`, when it would lower an account that may not go negative (whose
    balance must be checked under a lock first); the others in the batch are written all the
    same. Keys are claimed in key order, so two batches never wait on each other in a cycle.
    Returns each transaction's postings as resolved, with `inserted`.

    This is the ledger's hot path, so it runs as a prepared statement on the session's own
    asyncpg connection, inside the session's transaction (which `set_tenant` began).
    """
    driver = await bulk.driver(session)
    items, positions, codes, amounts, currencies = [], [], [], [], []
    for item, t in enumerate(transactions):
        for position, (code, amount, currency) in enumerate(t.postings):
            items.append(item)
            positions.append(position)
            codes.append(code)
            amounts.append(amount)
            currencies.append(currency)
    rows = await driver.fetch(
        _APPEND,
        tenant_id,
        [t.id for t in transactions],
        [t.idempotency_key for t in transactions],
        [t.request_digest for t in transactions],
        [t.description for t in transactions],
        [json.dumps(t.metadata) for t in transactions],
        [t.reverses_id for t in transactions],
        [t.created_at for t in transactions],
        guarded,
        items,
        positions,
        codes,
        amounts,
        currencies,
    )
    out: list[list[AppendedPosting]] = [[] for _ in transactions]
    for row in rows:
        out[row[0]].append(AppendedPosting(*row))
    return out


_APPEND = """
    WITH t AS (
        SELECT t.ord - 1 AS item, t.id, t.key, t.digest, t.description, t.metadata, t.reverses,
               t.created_at
        FROM unnest($2::uuid[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::uuid[],
                    $8::timestamptz[])
             WITH ORDINALITY AS t(id, key, digest, description, metadata, reverses, created_at,
                                  ord)
    ), resolved AS (
        SELECT w.item, w.position, w.code, w.amount, w.currency, a.id AS account_id, a.kind,
               a.currency AS account_currency, a.may_go_negative
        FROM unnest($10::int[], $11::int[], $12::text[], $13::bigint[], $14::text[])
             AS w(item, position, code, amount, currency)
        LEFT JOIN ledger_accounts a ON a.tenant_id = $1::uuid AND a.code = w.code
    ), lowers AS (
        SELECT DISTINCT item FROM resolved WHERE NOT may_go_negative
        GROUP BY item, account_id
        HAVING sum(amount * CASE WHEN kind IN ('asset', 'expense') THEN 1 ELSE -1 END) < 0
    ), ok AS (
        SELECT item FROM resolved GROUP BY item
        HAVING bool_and(account_id IS NOT NULL AND account_currency = currency)
        EXCEPT
        SELECT item FROM lowers WHERE NOT $9::boolean
    ), txn AS (
        INSERT INTO ledger_transactions (id, tenant_id, idempotency_key, request_digest,
                                         description, metadata, reverses_id, created_at)
        SELECT t.id, $1::uuid, t.key, t.digest, t.description, t.metadata::jsonb, t.reverses,
               t.created_at
        FROM t JOIN ok USING (item)
        ORDER BY t.key
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        RETURNING id
    ), posted AS (
        INSERT INTO ledger_postings (tenant_id, transaction_id, position, account_id, amount,
                                     currency)
        SELECT $1::uuid, txn.id, r.position, r.account_id, r.amount, r.currency
        FROM txn JOIN t ON t.id = txn.id JOIN resolved r ON r.item = t.item
    )
    SELECT r.item, r.position, r.code, r.amount, r.currency, r.account_id, r.kind,
           r.account_currency, r.may_go_negative,
           EXISTS (SELECT 1 FROM txn JOIN t ON t.id = txn.id WHERE t.item = r.item) AS inserted
    FROM resolved r ORDER BY r.item, r.position
"""


async def insert_entry(session: AsyncSession, tenant_id: uuid.UUID, txn: NewTransaction) -> None:
    """Insert a transaction without postings (a log entry such as a key change)."""
    session.add(
        LedgerTransaction(
            id=txn.id,
            tenant_id=tenant_id,
            idempotency_key=txn.idempotency_key,
            request_digest=txn.request_digest,
            description=txn.description,
            metadata_=txn.metadata,
            reverses_id=None,
            created_at=txn.created_at,
        )
    )
    await session.flush()


async def lock_balances(session: AsyncSession, account_ids: Collection[uuid.UUID]) -> None:
    """Lock balance rows in account order (appends lowering them, and the integrator, queue)."""
    await session.execute(
        select(LedgerBalance.account_id)
        .where(LedgerBalance.account_id.in_(account_ids))
        .order_by(LedgerBalance.account_id)
        .with_for_update()
    )


async def balances(
    session: AsyncSession, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Current balances: the rolled-up sequenced postings plus those still unsequenced."""
    rows = await session.execute(_BALANCES, {"ids": list(account_ids)})
    return {r.account_id: r.balance for r in rows}


_BALANCES = text(
    """
    WITH unsequenced AS MATERIALIZED (
        SELECT tenant_id, id FROM ledger_transactions WHERE seq IS NULL
    ), waiting AS (
        SELECT p.account_id, sum(p.amount) AS amount
        FROM unsequenced u
        JOIN ledger_postings p ON p.tenant_id = u.tenant_id AND p.transaction_id = u.id
        WHERE p.account_id = ANY (CAST(:ids AS uuid[]))
        GROUP BY p.account_id
    )
    SELECT b.account_id,
           b.balance + coalesce(w.amount, 0)
               * CASE WHEN a.kind IN ('asset', 'expense') THEN 1 ELSE -1 END AS balance
    FROM ledger_balances b
    JOIN ledger_accounts a ON a.tenant_id = b.tenant_id AND a.id = b.account_id
    LEFT JOIN waiting w ON w.account_id = b.account_id
    WHERE b.account_id = ANY (CAST(:ids AS uuid[]))
    """
)


async def balance(session: AsyncSession, account_id: uuid.UUID) -> int:
    return (await balances(session, [account_id]))[account_id]


async def unsequenced(session: AsyncSession, limit: int) -> list[Any]:
    """The oldest committed transactions still waiting for a sequence number."""
    rows = await session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.idempotency_key,
            LedgerTransaction.created_at,
            LedgerTransaction.description,
            LedgerTransaction.metadata_,
            LedgerTransaction.reverses_id,
        )
        .where(LedgerTransaction.seq.is_(None))
        .order_by(LedgerTransaction.created_at, LedgerTransaction.id)
        .limit(limit)
    )
    return list(rows.all())


def _of_posting(model: Any, column: Any) -> Any:
    """The join condition of a posting's account or transaction: same tenant, then its id."""
    return (model.tenant_id == LedgerPosting.tenant_id) & (model.id == column)


async def postings_with_codes(
    session: AsyncSession, transaction_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each transaction's postings as its leaf states them (account code, amount, currency)."""
    rows = await session.execute(
        select(
            LedgerPosting.transaction_id,
            LedgerAccount.code,
            LedgerPosting.amount,
            LedgerPosting.currency,
        )
        .join(LedgerAccount, _of_posting(LedgerAccount, LedgerPosting.account_id))
        .where(LedgerPosting.transaction_id.in_(transaction_ids))
        .order_by(LedgerPosting.transaction_id, LedgerPosting.position)
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r.transaction_id, []).append(
            {"account": r.code, "amount": r.amount, "currency": r.currency}
        )
    return found


async def next_seq(session: AsyncSession) -> int:
    top = (await session.execute(select(func.max(LedgerTransaction.seq)))).scalar_one_or_none()
    return 0 if top is None else top + 1


async def sequence(
    session: AsyncSession, first: int, ids: Sequence[uuid.UUID], leaves: Sequence[bytes]
) -> int:
    """Give transactions the sequence numbers `first`, `first + 1`, … and their leaves, and roll
    their postings into the balances (the database function checks every step)."""
    return int(
        (
            await session.execute(
                text("SELECT bitnexus_ledger_sequence(:first, CAST(:ids AS uuid[]), :leaves)"),
                {"first": first, "ids": list(ids), "leaves": list(leaves)},
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
    return [data for data in rows.scalars() if data is not None]  # sequenced rows have leaves


async def latest_block(session: AsyncSession) -> LedgerBlock | None:
    return (
        await session.execute(select(LedgerBlock).order_by(LedgerBlock.height.desc()).limit(1))
    ).scalar_one_or_none()


async def alarms(session: AsyncSession, limit: int) -> list[LedgerAlarm]:
    rows = await session.execute(
        select(LedgerAlarm).order_by(LedgerAlarm.created_at.desc(), LedgerAlarm.id).limit(limit)
    )
    return list(rows.scalars())


async def insert_alarm(session: AsyncSession, alarm: LedgerAlarm) -> bool:
    """Record `alarm`; False (nothing written) when one about the same subject exists."""
    if alarm.subject is None:
        session.add(alarm)
        await session.flush()
        return True
    values = {c.name: getattr(alarm, c.name) for c in LedgerAlarm.__table__.columns}
    inserted = await session.execute(
        insert(LedgerAlarm)
        .values({name: value for name, value in values.items() if value is not None})
        .on_conflict_do_nothing(index_elements=["tenant_id", "subject"])
        .returning(LedgerAlarm.id)
    )
    return inserted.scalar_one_or_none() is not None


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
    session: AsyncSession, owners: Collection[uuid.UUID] | None
) -> list[LedgerAccount]:
    """Accounts of these users, or every account when `owners` is None (tenant admins)."""
    stmt = select(LedgerAccount).order_by(LedgerAccount.code)
    if owners is not None:
        stmt = stmt.where(LedgerAccount.owner_user_id.in_(list(owners)))
    return list((await session.execute(stmt)).scalars())


async def statement(
    session: AsyncSession, account: LedgerAccount, before_seq: int | None, limit: int
) -> list[Any]:
    """Postings of an account, newest first, each with the running balance after it: `limit`
    sequenced ones, and on the first page the unsequenced ones before them."""
    sign = normal_sign(account.kind)
    running = (
        select(
            LedgerTransaction.seq,
            LedgerTransaction.id.label("transaction_id"),
            LedgerTransaction.created_at,
            LedgerTransaction.description,
            LedgerTransaction.idempotency_key,
            LedgerTransaction.metadata_.label("metadata"),
            LedgerTransaction.reverses_id,
            (LedgerPosting.amount * sign).label("amount"),
            func.sum(LedgerPosting.amount * sign)
            .over(
                order_by=(
                    LedgerTransaction.seq,  # unsequenced last, as the integrator will number them
                    LedgerTransaction.created_at,
                    LedgerTransaction.id,
                    LedgerPosting.position,
                )
            )
            .label("balance"),
        )
        .join(LedgerTransaction, _of_posting(LedgerTransaction, LedgerPosting.transaction_id))
        .where(LedgerPosting.account_id == account.id)
        .subquery()
    )
    sequenced = (
        select(running)
        .where(running.c.seq.is_not(None))
        .order_by(running.c.seq.desc())
        .limit(limit)
    )
    if before_seq is not None:
        return list((await session.execute(sequenced.where(running.c.seq < before_seq))).all())
    # The first page also has every posting still waiting for its sequence number (moments old).
    waiting = (
        select(running)
        .where(running.c.seq.is_(None))
        .order_by(running.c.created_at.desc(), running.c.transaction_id.desc())
    )
    return [*(await session.execute(waiting)).all(), *(await session.execute(sequenced)).all()]


async def touches_accounts_of(
    session: AsyncSession, transaction_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Whether a transaction posts to an account the user owns."""
    found = await session.execute(
        select(LedgerPosting.position)
        .join(LedgerAccount, _of_posting(LedgerAccount, LedgerPosting.account_id))
        .where(
            LedgerPosting.transaction_id == transaction_id, LedgerAccount.owner_user_id == user_id
        )
        .limit(1)
    )
    return found.first() is not None
