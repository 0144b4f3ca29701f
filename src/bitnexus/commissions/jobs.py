"""The maturer: moves commissions whose refund hold has ended from pending to available, and
once an hour reviews the tiers of every affiliate above Bronze (`tiers.review`).

It runs inside the server process; several processes may run it (each conversion is locked
and skipped by the others while one matures it; a tenant's tiers are reviewed by one at a
time)."""

from __future__ import annotations

import asyncio
import datetime as dt

import structlog

from bitnexus.commissions import repository
from bitnexus.commissions.service import tiers
from bitnexus.commissions.service.maturation import BATCH, mature_due
from bitnexus.core import periodic
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.tenants import service as tenants

log = structlog.get_logger(__name__)
TIER_REVIEW_SECONDS = 3600


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


async def review_tiers(db: Database, *, now: dt.datetime | None = None) -> int:
    """Review the tiers of every tenant with an affiliate above Bronze; returns how many
    affiliates' tiers changed."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        tenant_ids = await repository.tenants_to_review(session)
    changed = 0
    for tenant_id in tenant_ids:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            tenant = await tenants.current(session, tenant_id)
            changed += await tiers.review(session, tenant, now)
    if changed:
        log.info("commissions.tiers_reviewed", changed=changed)
    return changed


async def run_maturer(db: Database, every_seconds: float) -> None:
    """Mature due commissions every `every_seconds` and review tiers every hour, until
    cancelled."""
    await asyncio.gather(
        periodic.every(
            "commission_maturer",
            every_seconds,
            lambda: mature(db),
            failed="commissions.mature_failed",
        ),
        periodic.every(
            "tier_review",
            TIER_REVIEW_SECONDS,
            lambda: review_tiers(db),
            failed="commissions.tier_review_failed",
        ),
    )
