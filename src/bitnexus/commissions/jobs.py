"""The maturer: moves commissions whose refund hold has ended from pending to available.

It runs inside the server process; several processes may run it (each conversion is locked
and skipped by the others while one matures it)."""

from __future__ import annotations

import asyncio
import datetime as dt

import structlog

from bitnexus.commissions import repository
from bitnexus.commissions.service.maturation import BATCH, mature_due
from bitnexus.core.db import Database, set_tenant, utcnow

log = structlog.get_logger(__name__)


async def mature(db: Database, *, now: dt.datetime | None = None) -> int:
    """Mature everything due by `now` in every tenant; returns how many conversions."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        tenants = await repository.tenants_due(session, now)
    total = 0
    for tenant_id in tenants:
        while True:
            async with db.sessionmaker() as session, session.begin():
                await set_tenant(session, tenant_id)
                done = await mature_due(session, tenant_id, now=now)
            total += done
            if done < BATCH:
                break
    if total:
        log.info("commissions.matured", conversions=total)
    return total


async def run_maturer(db: Database, every_seconds: float) -> None:
    while True:
        try:
            await mature(db)
        except Exception:
            log.exception("commissions.mature_failed")
        await asyncio.sleep(every_seconds)
