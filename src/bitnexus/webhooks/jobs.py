"""The delivery job: sends every due delivery of every tenant, a few at a time. It runs in
every server process; a delivery is claimed (locked, its next attempt pushed back by a lease)
by one of them at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import structlog

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, utcnow
from bitnexus.webhooks import delivery, repository

log = structlog.get_logger(__name__)
BATCH = 100
AT_ONCE = 8  # POSTs in flight per process


async def deliver_due(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Attempt every delivery due by `now` (a batch); returns how many were attempted."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        due = await repository.due(session, now, BATCH)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> bool:
        async with gate:
            outcome = await delivery.attempt(db, settings, tenant_id, delivery_id, now)
            return outcome is not None

    return sum(await asyncio.gather(*(one(t, d) for t, d in due)))


async def run_deliveries(db: Database, settings: Settings) -> None:
    while True:
        try:
            while await deliver_due(db, settings) >= BATCH:
                pass
        except Exception:
            log.exception("webhooks.delivery_failed")
        await asyncio.sleep(settings.webhooks_poll_seconds)
