"""Every query on tenants and tenant_logos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.tenants.models import Tenant, TenantLogo


@dataclass(frozen=True)
class SlugLookup:
    id: uuid.UUID
    status: str
    is_platform: bool


async def lookup_slug(session: AsyncSession, slug: str) -> SlugLookup | None:
    """Find a tenant by slug before any tenant context exists (SECURITY DEFINER function)."""
    row = (
        await session.execute(
            text("SELECT id, status, is_platform FROM bitnexus_tenant_by_slug(:slug)"),
            {"slug": slug},
        )
    ).first()
    return SlugLookup(row.id, row.status, row.is_platform) if row else None


async def get(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def add(session: AsyncSession, tenant: Tenant) -> Tenant:
    session.add(tenant)
    await session.flush()
    return tenant


async def get_logo(session: AsyncSession, tenant_id: uuid.UUID) -> TenantLogo | None:
    return (
        await session.execute(select(TenantLogo).where(TenantLogo.tenant_id == tenant_id))
    ).scalar_one_or_none()


async def put_logo(session: AsyncSession, logo: TenantLogo) -> None:
    await session.merge(logo)
    await session.flush()


async def delete_logo(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    await session.execute(delete(TenantLogo).where(TenantLogo.tenant_id == tenant_id))
