"""Platform administration: list organisations, suspend and re-activate them, and see every
organisation's activity."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service.sessions import Principal
from bitnexus.core.days import day_range
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.platform import repository
from bitnexus.platform.schemas import (
    Money,
    OrganisationActivity,
    PlatformActivity,
    PlatformDay,
    PlatformTenant,
    PlatformTenantPage,
    PlatformTotals,
)
from bitnexus.tenants.errors import TenantNotFound
from bitnexus.tenants.models import TenantStatus

log = structlog.get_logger(__name__)


async def list_tenants(
    session: AsyncSession, admin: Principal, cursor: str | None, limit: int
) -> PlatformTenantPage:
    rows = await repository.list_tenants(session, admin.user.id, Cursor.decode(cursor), limit + 1)
    items, next_cursor = split_page([PlatformTenant.model_validate(dict(r)) for r in rows], limit)
    return PlatformTenantPage(items=items, next_cursor=next_cursor)


async def set_status(
    session: AsyncSession, admin: Principal, tenant_id: uuid.UUID, status: TenantStatus
) -> PlatformTenant:
    """Suspend or re-activate an organisation; nothing is deleted."""
    row = await repository.set_tenant_status(session, admin.user.id, tenant_id, status.value)
    if row is None:
        raise TenantNotFound()
    log.info("platform.tenant_status", target_tenant_id=str(tenant_id), status=status.value)
    return PlatformTenant.model_validate(dict(row))


async def activity(
    session: AsyncSession, admin: Principal, start: dt.date | None, end: dt.date | None
) -> PlatformActivity:
    """Every organisation's size now and activity over the days asked for (default: the last
    30), the platform's totals and its days; each read is audited."""
    days = day_range(start, end)
    rows = await repository.activity(session, admin.user.id, days.begin, days.finish)
    organisations = [OrganisationActivity.model_validate(dict(r)) for r in rows]
    daily = await repository.daily(session, admin.user.id, days.begin, days.finish)
    return PlatformActivity(
        start=days.first,
        end=days.last,
        totals=_totals(organisations),
        days=[PlatformDay.model_validate(dict(r)) for r in daily],
        organisations=organisations,
    )


def _totals(organisations: list[OrganisationActivity]) -> PlatformTotals:
    money: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in organisations:
        for m in o.money:
            sums = money[m.currency]
            sums[0] += m.sales_minor
            sums[1] += m.commissions_minor
            sums[2] += m.fees_minor
    return PlatformTotals(
        organisations=len(organisations),
        users=sum(o.users for o in organisations),
        new_users=sum(o.new_users for o in organisations),
        products=sum(o.products for o in organisations),
        clicks=sum(o.clicks for o in organisations),
        sales=sum(o.sales for o in organisations),
        money=[
            Money(currency=c, sales_minor=s, commissions_minor=k, fees_minor=f)
            for c, (s, k, f) in sorted(money.items())
        ],
    )
