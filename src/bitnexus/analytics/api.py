"""Dashboard routes, one per role, and the admins' affiliate directory, each over a range of
UTC days (default: the last 30)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.errors import UserNotFound
from bitnexus.accounts.models import UserStatus
from bitnexus.analytics import directory, link_days, service
from bitnexus.analytics.exports import AFFILIATE_COLUMNS
from bitnexus.analytics.link_days import LinkDay, LinkDayPage
from bitnexus.analytics.schemas import (
    AdminDashboard,
    AffiliateDashboard,
    AffiliateDirectory,
    AffiliateProfile,
    VendorDashboard,
)
from bitnexus.auth import CurrentPrincipal, ReadPrincipal, ReadSessionDep
from bitnexus.core import export
from bitnexus.core.days import day_range
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for
from bitnexus.core.inputs import IsoDate

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
affiliates_router = APIRouter(prefix="/affiliates", tags=["affiliates"])
CURRENCY = "The money figures' currency (default: the program's); `currencies` lists the others."


@router.get("/affiliate", responses=errors_for(Forbidden, InvalidInput))
async def affiliate_dashboard(
    principal: ReadPrincipal,
    session: ReadSessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> AffiliateDashboard:
    """Your clicks (raw, filtered, unique), conversions, conversion rate, earnings and EPC, by
    day, link and product; your balances by state from the ledger."""
    return await service.affiliate(session, principal.user, principal.tenant, start, end, currency)


@router.get("/vendor", responses=errors_for(Forbidden, InvalidInput))
async def vendor_dashboard(
    principal: ReadPrincipal,
    session: ReadSessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> VendorDashboard:
    """Your sales and the commissions they owe, by day and product."""
    return await service.vendor(session, principal.user, principal.tenant, start, end, currency)


@router.get("/admin", responses=errors_for(Forbidden, InvalidInput))
async def admin_dashboard(
    principal: ReadPrincipal,
    session: ReadSessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> AdminDashboard:
    """Program totals, top affiliates, and the vetting, fraud and payout queues."""
    return await service.admin(session, principal.user, principal.tenant, start, end, currency)


def directory_filter(
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
    q: Annotated[str | None, Query(max_length=100, description="In the name or email")] = None,
    status: UserStatus | None = None,
    group_id: Annotated[uuid.UUID | None, Query(description="Members of this group")] = None,
) -> directory.Filter:
    return directory.Filter(start, end, currency, q, status, group_id)


DirectoryFilter = Annotated[directory.Filter, Depends(directory_filter)]


@affiliates_router.get("", responses=errors_for(Forbidden, InvalidInput, BadRequest))
async def list_affiliates(
    principal: CurrentPrincipal,
    session: SessionDep,
    shown: DirectoryFilter,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AffiliateDirectory:
    """The organisation's affiliates (admins), oldest first: the range's clicks, sales and
    earnings, balances by state from the ledger, tier, network and fraud history."""
    return await directory.directory(
        session, principal.user, principal.tenant, shown, cursor=cursor, limit=limit
    )


@affiliates_router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(Forbidden, InvalidInput, BadRequest)},
)
async def export_affiliates(
    principal: CurrentPrincipal,
    session: SessionDep,
    db: export.DatabaseDep,
    shown: DirectoryFilter,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """The affiliate directory (admins) with its filters, as a CSV or XLSX file."""

    async def page(s: AsyncSession, cursor: str | None) -> AffiliateDirectory:
        return await directory.directory(
            s, principal.user, principal.tenant, shown, cursor=cursor, limit=export.PAGE
        )

    rows = await export.rows(session, db, principal.tenant.id, page)
    name = export.filename("affiliates", principal.tenant.slug, fmt)
    return export.response(fmt, AFFILIATE_COLUMNS, rows, name)


@affiliates_router.get(
    "/{affiliate_id}", responses=errors_for(Forbidden, UserNotFound, InvalidInput)
)
async def get_affiliate(
    affiliate_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> AffiliateProfile:
    """One affiliate in full (admins): their summary and days, balances in every currency,
    tier and history, referrals, fraud holds, payouts and latest commissions."""
    return await directory.profile(
        session,
        principal.user,
        principal.tenant,
        affiliate_id,
        start=start,
        end=end,
        currency=currency,
    )


CLICK_COLUMNS: list[export.Column[LinkDay]] = [
    export.day("Day (UTC)", lambda r: r.day),
    export.text("Link", lambda r: r.link),
    export.integer("Clicks", lambda r: r.clicks),
    export.integer("Unique clicks", lambda r: r.unique_clicks),
    export.integer("Raw clicks (bots included)", lambda r: r.clicks_raw),
    export.text("Link ID", lambda r: r.link_id),
]


@router.get(
    "/clicks/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(Forbidden, InvalidInput)},
)
async def export_clicks(
    principal: CurrentPrincipal,
    session: SessionDep,
    db: export.DatabaseDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """Clicks per link per UTC day over your dashboard's range (default: the last 30 days), as
    a CSV or XLSX file: your links' (vendors: on your products; admins: every link)."""
    days = day_range(start, end)

    async def page(s: AsyncSession, cursor: str | None) -> LinkDayPage:
        return await link_days.page(s, principal.user, days, cursor)

    rows = await export.rows(session, db, principal.tenant.id, page)
    name = export.filename("clicks", principal.tenant.slug, fmt)
    return export.response(fmt, CLICK_COLUMNS, rows, name)
