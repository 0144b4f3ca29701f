"""Platform administration: list organisations, suspend and re-activate them."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service.sessions import Principal
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.platform import repository
from bitnexus.platform.schemas import PlatformTenant, PlatformTenantPage
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
