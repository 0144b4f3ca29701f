"""Dashboard routes, one per role, each over a range of UTC days (default: the last 30)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bitnexus.analytics import service
from bitnexus.analytics.schemas import AdminDashboard, AffiliateDashboard, VendorDashboard
from bitnexus.auth import CurrentPrincipal
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.core.inputs import IsoDate

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
CURRENCY = "The money figures' currency (default: the program's); `currencies` lists the others."


@router.get("/affiliate", responses=errors_for(Forbidden, InvalidInput))
async def affiliate_dashboard(
    principal: CurrentPrincipal,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> AffiliateDashboard:
    """Your clicks (raw, filtered, unique), conversions, conversion rate, earnings and EPC, by
    day, link and product; your balances by state from the ledger."""
    return await service.affiliate(session, principal.user, principal.tenant, start, end, currency)


@router.get("/vendor", responses=errors_for(Forbidden, InvalidInput))
async def vendor_dashboard(
    principal: CurrentPrincipal,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> VendorDashboard:
    """Your sales and the commissions they owe, by day and product."""
    return await service.vendor(session, principal.user, principal.tenant, start, end, currency)


@router.get("/admin", responses=errors_for(Forbidden, InvalidInput))
async def admin_dashboard(
    principal: CurrentPrincipal,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    currency: Annotated[str | None, Query(description=CURRENCY)] = None,
) -> AdminDashboard:
    """Program totals, top affiliates, and the vetting, fraud and payout queues."""
    return await service.admin(session, principal.user, principal.tenant, start, end, currency)
