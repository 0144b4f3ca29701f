"""Many transactions at once: a batch posts each on its own merits; the writer group-commits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.ledger_writer import LedgerWriter
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.errors import BitnexusError
from bitnexus.ledger import service
from bitnexus.ledger.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPostings,
    UnbalancedTransaction,
)
from bitnexus.ledger.service import Posted, TransactionSpec
from bitnexus.ledger.service import PostingSpec as P
from tests.ledger.support import SALE, balance, integrate, ledger_tenant, seqs


def _sale(key: str, amount: int = 1000) -> TransactionSpec:
    return TransactionSpec(
        key, [P("vendor:1:receivable", amount, "USD"), P("affiliate:1:pending", -amount, "USD")]
    )


def _commits(owner_engine: Engine, tid: uuid.UUID) -> int:
    """How many database transactions wrote this tenant's ledger transactions."""
    with owner_engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(DISTINCT xmin::text) FROM ledger_transactions "
                    "WHERE tenant_id = :t"
                ),
                {"t": tid},
            ).scalar_one()
        )


async def test_a_batch_posts_each_transaction_on_its_own_merits(
    db: Database, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    specs = [
        TransactionSpec("sale", SALE),
        TransactionSpec("ghost", [P("nobody:1", 5, "USD"), P("vendor:1:receivable", -5, "USD")]),
        TransactionSpec("lopsided", [P("vendor:1:receivable", 5, "USD"), P("platform:fees", -4, "USD")]),
        TransactionSpec("euro", [P("vendor:1:eur", 5, "USD"), P("platform:fees", -5, "USD")]),
        TransactionSpec("sale", SALE),  # a retry inside the same batch
        TransactionSpec("sale", [P("vendor:1:receivable", 7, "USD"), P("platform:fees", -7, "USD")]),
        TransactionSpec("fund", [P("vendor:1:receivable", 500, "USD"), P("affiliate:1:available", -500, "USD")]),
        TransactionSpec("payout-1", [P("affiliate:1:available", 300, "USD"), P("vendor:1:receivable", -300, "USD")]),
        TransactionSpec("payout-2", [P("affiliate:1:available", 300, "USD"), P("vendor:1:receivable", -300, "USD")]),
    ]  # fmt: skip
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        outcomes = await service.post_transactions(s, tid, specs)

    sale, ghost, lopsided, euro, retry, conflict, fund, payout1, payout2 = outcomes
    assert isinstance(sale, Posted)
    assert sale.created
    assert isinstance(ghost, AccountNotFound)
    assert ghost.errors[0].field == "postings.0.account"
    assert isinstance(lopsided, UnbalancedTransaction)
    assert isinstance(euro, InvalidPostings)
    assert euro.errors[0].field == "postings.0.currency"
    assert retry == Posted(sale.id, None, created=False)
    assert isinstance(conflict, IdempotencyConflict)
    assert isinstance(fund, Posted)
    assert isinstance(payout1, Posted)  # lowers a guarded account: checked under its lock
    assert isinstance(payout2, InsufficientBalance)  # 200 left of the 500

    assert await balance(db, tid, "vendor:1:receivable") == 1000 + 500 - 300
    assert await balance(db, tid, "affiliate:1:available") == 200
    assert await balance(db, tid, "affiliate:1:pending") == 900
    assert await integrate(db, tid) == 3  # nothing was written for the refused ones
    assert await seqs(owner_engine, tid) == [0, 1, 2]
    assert _commits(owner_engine, tid) == 1


async def test_the_writer_group_commits_concurrent_posts(
    db: Database, owner_engine: Engine
) -> None:
    tid, other = await ledger_tenant(db), await ledger_tenant(db)
    writer = LedgerWriter(db)
    keys = [f"order-{i % 60}" for i in range(120)]  # every post sent twice, concurrently

    results = await asyncio.gather(
        *(writer.post(tid, _sale(k)) for k in keys),
        *(writer.post(other, _sale(f"o-{i}", 10)) for i in range(20)),
        writer.post(tid, TransactionSpec("ghost", [P("x", 1, "USD"), P("y", -1, "USD")])),
        return_exceptions=True,
    )
    await writer.close()

    mine, theirs, ghost = results[:120], results[120:140], results[140]
    assert all(isinstance(r, Posted) for r in [*mine, *theirs])
    posted = [r for r in mine if isinstance(r, Posted)]
    assert sum(r.created for r in posted) == 60
    by_key: dict[str, set[uuid.UUID]] = {}
    for key, r in zip(keys, posted, strict=True):
        by_key.setdefault(key, set()).add(r.id)
    assert all(len(ids) == 1 for ids in by_key.values())  # a retry gets the original
    assert isinstance(ghost, AccountNotFound)
    assert await balance(db, tid, "vendor:1:receivable") == 60 * 1000
    assert await balance(db, other, "vendor:1:receivable") == 20 * 10
    assert _commits(owner_engine, tid) < 60 / 4  # they shared commits
    await integrate(db, tid)
    assert await seqs(owner_engine, tid) == list(range(60))


async def test_bad_input_is_refused_before_it_waits(db: Database) -> None:
    tid = await ledger_tenant(db)
    writer = LedgerWriter(db)
    with pytest.raises(UnbalancedTransaction):
        await writer.post(
            tid, TransactionSpec("k", [P("vendor:1:receivable", 5, "USD"), P("x", -4, "USD")])
        )
    with pytest.raises(InvalidPostings):
        await writer.post(tid, _sale(""))


async def test_writers_claiming_the_same_keys_in_opposite_orders_never_deadlock(
    db: Database, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    one, two = _WatchedWriter(db), _WatchedWriter(db)  # as two processes would

    async def round_(r: int) -> list[Posted]:
        keys = [f"r{r:02}-{i}" for i in range(8)]
        return await asyncio.gather(
            *(one.post(tid, _sale(k)) for k in keys),
            *(two.post(tid, _sale(k)) for k in reversed(keys)),
        )

    results = [p for r in range(25) for p in await asyncio.wait_for(round_(r), timeout=30)]

    assert one.failures == two.failures == []  # no batch died in a deadlock (and was retried)
    assert sum(r.created for r in results) == 200
    assert len({r.id for r in results}) == 200
    await integrate(db, tid)
    assert await seqs(owner_engine, tid) == list(range(200))


class _WatchedWriter(LedgerWriter):
    """Remembers every batch that failed (the writer itself recovers by retrying post by post)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.failures: list[Exception] = []

    async def _write(
        self, tenant_id: uuid.UUID, specs: Sequence[TransactionSpec]
    ) -> list[Posted | BitnexusError]:
        try:
            return await super()._write(tenant_id, specs)
        except Exception as failed:
            self.failures.append(failed)
            raise


class _FlakyWriter(LedgerWriter):
    """The database goes away under every batch, and always under the 'poison' post."""

    async def _write(
        self, tenant_id: uuid.UUID, specs: Sequence[TransactionSpec]
    ) -> list[Posted | BitnexusError]:
        if len(specs) > 1 or specs[0].idempotency_key == "poison":
            raise ConnectionResetError("connection lost")
        return await super()._write(tenant_id, specs)


async def test_a_failed_batch_is_retried_post_by_post(db: Database) -> None:
    tid = await ledger_tenant(db)
    writer = _FlakyWriter(db)

    results = await asyncio.gather(
        *(writer.post(tid, _sale(f"s-{i}")) for i in range(10)),
        writer.post(tid, _sale("poison")),
        return_exceptions=True,
    )

    assert all(isinstance(r, Posted) and r.created for r in results[:10])
    assert isinstance(results[10], ConnectionResetError)  # only its own caller sees it
    assert await balance(db, tid, "vendor:1:receivable") == 10 * 1000
