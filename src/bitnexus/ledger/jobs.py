"""The sealer: integrate and seal each tenant's pending transactions, off the write path.

It runs inside the server process (every process may run one: the tree-state row lock lets
only one seal a tenant at a time, and a sealer that finds nothing new signs nothing).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import structlog
from sqlalchemy import text

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.ledger import keys, tree

log = structlog.get_logger(__name__)


async def seal_due(
    db: Database, settings: Settings, *, now: dt.datetime | None = None
) -> list[str]:
    """Seal every tenant whose pending transactions are many or old enough; returns their slugs."""
    now = now or utcnow()
    wait = dt.timedelta(seconds=settings.ledger_seal_seconds)
    async with db.sessionmaker() as session, session.begin():
        queue = (await session.execute(text("SELECT * FROM bitnexus_ledger_sealing_queue()"))).all()
    sealed: list[str] = []
    for row in queue:
        if row.pending < settings.ledger_seal_leaves and row.oldest_pending > now - wait:
            continue
        try:
            async with db.sessionmaker() as session, session.begin():
                await set_tenant(session, row.tenant_id)
                size = await tree.integrate(session, row.tenant_id)
                block = await tree.seal(
                    session, row.tenant_id, keys.identity_for(settings, row.slug)
                )
        except tree.InconsistentLog:
            # Someone rewrote this tenant's history: never sign it, shout, and keep sealing others.
            log.critical("ledger.inconsistent_log", tenant=row.slug)
            continue
        if block is not None:
            sealed.append(row.slug)
            log.info("ledger.sealed", tenant=row.slug, height=block.height, tree_size=size)
    return sealed


async def run_sealer(db: Database, settings: Settings) -> None:
    """Poll for due tenants until cancelled; a failing round is logged and retried."""
    interval = min(1.0, settings.ledger_seal_seconds)
    while True:
        try:
            await seal_due(db, settings)
        except Exception:  # keep sealing other rounds; the error is logged with its trace
            log.exception("ledger.sealer_failed")
        await asyncio.sleep(interval)
