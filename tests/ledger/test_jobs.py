"""The sealer numbers new transactions at once, and seals a tenant once enough transactions are
pending or the oldest has waited."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.ledger import jobs, repository
from tests.ledger.support import sell, two_account_tenant
from tests.waiting import eventually


async def _tenant_with(db: Database, n: int) -> tuple[uuid.UUID, str]:
    tid, slug = await two_account_tenant(db, "jobs", currency="EUR")
    await sell(db, tid, range(n), currency="EUR")
    return tid, slug


def _slugs(sealed: list[tuple[uuid.UUID, str]]) -> list[str]:
    return [slug for _, slug in sealed]


async def _blocks(db: Database, tid: uuid.UUID) -> int:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        latest = await repository.latest_block(s)
        return -1 if latest is None else latest.height


async def _sealed(db: Database, tid: uuid.UUID) -> bool:
    return await _blocks(db, tid) >= 0


async def _sequenced(db: Database, tid: uuid.UUID) -> int:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await repository.next_seq(s)


async def test_waits_for_age_or_count(db: Database, settings: Settings) -> None:
    tid, slug = await _tenant_with(db, 3)
    patient = settings.model_copy(update={"ledger_seal_seconds": 60, "ledger_seal_leaves": 1000})
    eager = settings.model_copy(update={"ledger_seal_seconds": 60, "ledger_seal_leaves": 3})

    assert slug not in _slugs(await jobs.seal_due(db, patient))
    assert await _blocks(db, tid) == -1
    assert await _sequenced(db, tid) == 3  # not sealed yet, but numbered at once
    assert slug in _slugs(await jobs.seal_due(db, patient, now=utcnow() + dt.timedelta(seconds=61)))
    assert await _blocks(db, tid) == 0
    assert slug not in _slugs(await jobs.seal_due(db, eager))  # nothing pending any more

    _, slug2 = await _tenant_with(db, 3)
    assert slug2 in _slugs(await jobs.seal_due(db, eager))  # three pending reach the count at once


async def test_the_background_sealer_runs_until_cancelled(db: Database, settings: Settings) -> None:
    tid, _ = await _tenant_with(db, 2)
    quick = settings.model_copy(update={"ledger_seal_seconds": 0.2})

    task = asyncio.create_task(jobs.run_sealer(db, quick))
    try:
        await eventually(lambda: _sealed(db, tid), "the sealer sealed the pending transactions")
    finally:
        task.cancel()

    assert await _blocks(db, tid) == 0
