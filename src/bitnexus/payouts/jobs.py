"""The payout schedule: once per period (weekly from Monday, monthly from the 1st, UTC), the
first run on or after the period starts makes the tenant's batch, unless a batch was already
made in the period (by an admin or an earlier run) or one is still open. Admins then export
it and mark each payout, as with the batches they make themselves."""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy import text

from bitnexus.core import periodic
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.payouts.errors import BatchStillOpen, NothingToPay
from bitnexus.payouts.schemas import BatchCreate
from bitnexus.payouts.service import batches
from bitnexus.tenants import service as tenants

log = structlog.get_logger(__name__)


def period_start(schedule: str, now: dt.datetime) -> dt.datetime:
    day = now.astimezone(dt.UTC).date()
    start = day - dt.timedelta(days=day.weekday()) if schedule == "weekly" else day.replace(day=1)
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)


async def pay_on_schedule(db: Database, *, now: dt.datetime | None = None) -> int:
    """Make every scheduled batch that is due; returns how many were made."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        scheduled = (
            await session.execute(text("SELECT * FROM bitnexus_scheduled_payouts()"))
        ).all()
    made = 0
    for row in scheduled:
        since = period_start(row.schedule, now)
        try:
            async with db.sessionmaker() as session, session.begin():
                await set_tenant(session, row.tenant_id)
                if await batches.made_since(session, row.currency, since):
                    continue
                tenant = await tenants.current(session, row.tenant_id)
                batch = await batches.create(session, None, tenant, BatchCreate())
        except (BatchStillOpen, NothingToPay):
            continue
        made += 1
        log.info("payouts.scheduled_batch", tenant_id=str(row.tenant_id), number=batch.number)
    return made


async def run_scheduler(db: Database, every_seconds: float) -> None:
    await periodic.every(
        "payout_scheduler",
        every_seconds,
        lambda: pay_on_schedule(db),
        failed="payouts.schedule_failed",
    )
