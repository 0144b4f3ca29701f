"""The delivery job: sends every due delivery of every tenant, a few at a time. It runs in
every server process; a delivery is claimed (locked, its next attempt pushed back by a lease)
by one of them at a time. Once an hour it also deletes finished deliveries older than
`BITNEXUS_WEBHOOKS_LOG_DAYS` (pending ones stay, whatever their age)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import structlog

from bitnexus.core import periodic
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, utcnow
from bitnexus.webhooks import delivery, repository

log = structlog.get_logger(__name__)
BATCH = 100
AT_ONCE = 8  # POSTs in flight per process
PRUNE_BATCH = 10_000
PRUNE_SECONDS = 3600


async def deliver_due(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Attempt every delivery due by `now` (a batch); returns how many were attempted."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        due = await repository.due(session, now, BATCH)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> bool:
        async with gate:
            try:
                outcome = await delivery.attempt(db, settings, tenant_id, delivery_id, now)
            except Exception:  # one delivery's trouble (its secret unreadable) stops no other
                log.exception("webhooks.attempt_failed", delivery_id=str(delivery_id))
                return False
            return outcome is not None

    return sum(await asyncio.gather(*(one(t, d) for t, d in due)))


async def prune(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Delete finished deliveries older than the log's retention; returns how many."""
    before = (now or utcnow()) - dt.timedelta(days=settings.webhooks_log_days)
    total = 0
    while True:
        async with db.sessionmaker() as session, session.begin():
            done = await repository.prune(session, before, PRUNE_BATCH)
        total += done
        if done < PRUNE_BATCH:
            return total


async def run_deliveries(db: Database, settings: Settings) -> None:
    """Send what is due every `webhooks_poll_seconds`; prune the log once an hour."""
    pruned_at = 0.0

    async def one_pass() -> None:
        nonlocal pruned_at
        while await deliver_due(db, settings) >= BATCH:
            pass
        if time.monotonic() - pruned_at >= PRUNE_SECONDS:
            pruned_at = time.monotonic()
            if gone := await prune(db, settings):
                log.info("webhooks.pruned", deliveries=gone)

    await periodic.every(
        "webhook_deliveries",
        settings.webhooks_poll_seconds,
        one_pass,
        failed="webhooks.delivery_failed",
    )
