"""Platform admin routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from bitnexus.auth import PlatformAdmin
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for
from bitnexus.core.inputs import IsoDate
from bitnexus.platform import service
from bitnexus.platform.schemas import PlatformActivity, PlatformTenant, PlatformTenantPage
from bitnexus.tenants.errors import TenantNotFound
from bitnexus.tenants.models import TenantStatus

router = APIRouter(prefix="/platform", tags=["platform"])


@router.get("/tenants", responses=errors_for(Forbidden, BadRequest))
async def list_tenants(
    admin: PlatformAdmin,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PlatformTenantPage:
    """Every organisation, newest first, with its user count."""
    return await service.list_tenants(session, admin, cursor, limit)


@router.post("/tenants/{tenant_id}/suspend", responses=errors_for(Forbidden, TenantNotFound))
async def suspend_tenant(
    tenant_id: uuid.UUID, admin: PlatformAdmin, session: SessionDep
) -> PlatformTenant:
    """Suspend an organisation: its users can no longer log in or call the API."""
    return await service.set_status(session, admin, tenant_id, TenantStatus.suspended)


@router.post("/tenants/{tenant_id}/reactivate", responses=errors_for(Forbidden, TenantNotFound))
async def reactivate_tenant(
    tenant_id: uuid.UUID, admin: PlatformAdmin, session: SessionDep
) -> PlatformTenant:
    """Re-activate a suspended organisation."""
    return await service.set_status(session, admin, tenant_id, TenantStatus.active)


@router.get("/activity", responses=errors_for(Forbidden, InvalidInput))
async def platform_activity(
    admin: PlatformAdmin,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
) -> PlatformActivity:
    """Every organisation's size and activity (users, products, clicks, sales, commissions)
    over a range of UTC days (default: the last 30), with the platform's totals and days."""
    return await service.activity(session, admin, start, end)
