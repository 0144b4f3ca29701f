"""Click rollups: once an hour is settled (ten minutes after it ends, far longer than any
click takes to commit), its clicks are counted per link and country into `click_hours`, and
the tenant's mark moves to the end of that hour. Dashboards read rollups before the mark and
raw clicks after it, so a figure is the same whether or not the job has run; the job only
makes it fast.
Several processes may run it: the mark row is locked while a tenant is rolled up."""

from __future__ import annotations

import datetime as dt
import uuid

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core import periodic
from bitnexus.core.db import Database, set_tenant, utcnow

log = structlog.get_logger(__name__)

SETTLE = dt.timedelta(minutes=10)


def settled(now: dt.datetime) -> dt.datetime:
    """The end of the last hour whose clicks have all committed."""
    return (now - SETTLE).astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


async def roll_up_tenant(session: AsyncSession, tenant_id: uuid.UUID, until: dt.datetime) -> None:
    await session.execute(
        text(
            "INSERT INTO click_rollups (tenant_id, rolled_until) VALUES (:t, NULL)"
            " ON CONFLICT (tenant_id) DO NOTHING"
        ),
        {"t": tenant_id},
    )
    since = (
        await session.execute(
            text("SELECT rolled_until FROM click_rollups WHERE tenant_id = :t FOR UPDATE"),
            {"t": tenant_id},
        )
    ).scalar_one()
    if since is not None and since >= until:
        return  # another process got here first
    # the counts of `link_counts`: raw, filtered (no bot rule matched) and unique (filtered and
    # `rules.UNIQUE`), pinned by tests/analytics/test_rollups.py::
    # test_rolled_up_hours_give_the_same_figures_and_new_clicks_still_count
    await session.execute(
        text(
            """
            INSERT INTO click_hours (tenant_id, hour, link_id, country, affiliate_id,
                                     product_id, raw, clicks, uniq)
            SELECT tenant_id, date_trunc('hour', created_at, 'UTC'), link_id,
                   coalesce(country, ''),
                   min(affiliate_id::text)::uuid, min(product_id::text)::uuid, count(*),
                   count(*) FILTER (WHERE NOT is_bot),
                   count(*) FILTER (WHERE is_unique AND NOT is_bot)
            FROM clicks
            WHERE tenant_id = :t AND created_at < :until
              AND created_at >= coalesce(CAST(:since AS timestamptz), '-infinity')
            GROUP BY tenant_id, 2, link_id, 4
            ON CONFLICT (tenant_id, hour, link_id, country) DO UPDATE
            SET raw = click_hours.raw + excluded.raw,
                clicks = click_hours.clicks + excluded.clicks,
                uniq = click_hours.uniq + excluded.uniq
            """
        ),
        {"t": tenant_id, "since": since, "until": until},
    )
    await session.execute(
        text("UPDATE click_rollups SET rolled_until = :until WHERE tenant_id = :t"),
        {"t": tenant_id, "until": until},
    )


async def roll_up(db: Database, *, now: dt.datetime | None = None) -> int:
    """Roll every tenant's settled hours up; returns how many tenants moved."""
    until = settled(now or utcnow())
    async with db.sessionmaker() as session, session.begin():
        due = [
            r[0]
            for r in await session.execute(
                text("SELECT bitnexus_rollups_due(:until)"), {"until": until}
            )
        ]
    for tenant_id in due:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await roll_up_tenant(session, tenant_id, until)
    return len(due)


async def run_rollups(db: Database, every_seconds: float) -> None:
    await periodic.every(
        "click_rollups", every_seconds, lambda: roll_up(db), failed="clicks.rollup_failed"
    )
