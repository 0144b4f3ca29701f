"""Tenant routes: settings and branding (admin), the currencies they may use, public branding
and logo."""

from __future__ import annotations

from fastapi import APIRouter, Response, UploadFile

from bitnexus.auth import CurrentPrincipal, TenantAdmin
from bitnexus.commissions.service import policy
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Forbidden, InvalidInput, PayloadTooLarge, errors_for
from bitnexus.core.money import currency_list
from bitnexus.tenants import service
from bitnexus.tenants.errors import InvalidLogo, TenantNotFound, TenantSuspended
from bitnexus.tenants.schemas import (
    CurrencyRead,
    PublicTenant,
    TenantSettings,
    TenantSettingsUpdate,
)

router = APIRouter(prefix="/tenant", tags=["tenant"])
public_router = APIRouter(prefix="/public/tenants", tags=["public"])
currencies_router = APIRouter(prefix="/currencies", tags=["tenant"])


@currencies_router.get("")
async def list_currencies(_member: CurrentPrincipal, response: Response) -> list[CurrencyRead]:
    """Every ISO 4217 currency a price or setting may use, by code (the list forms offer)."""
    response.headers["Cache-Control"] = "private, max-age=86400"
    return [CurrencyRead(code=c, name=n, minor_digits=d) for c, n, d in currency_list()]


@router.get("/settings", responses=errors_for(Forbidden))
async def get_settings(admin: TenantAdmin) -> TenantSettings:
    """The organisation's settings."""
    return service.settings_of(admin.tenant)


@router.patch("/settings", responses=errors_for(Forbidden, InvalidInput))
async def update_settings(
    body: TenantSettingsUpdate, admin: TenantAdmin, session: SessionDep
) -> TenantSettings:
    """Change display name, brand colour, currency or commission defaults."""
    policy.check(admin.tenant, body)
    return service.settings_of(await service.update_settings(session, admin.tenant, body))


@router.put("/logo", responses=errors_for(Forbidden, InvalidLogo, PayloadTooLarge))
async def upload_logo(file: UploadFile, admin: TenantAdmin, session: SessionDep) -> TenantSettings:
    """Upload the organisation's logo (PNG, JPEG or WebP, at most 512 KB)."""
    data = await file.read(service.MAX_LOGO_BYTES + 1)
    return service.settings_of(await service.set_logo(session, admin.tenant, data))


@router.delete("/logo", responses=errors_for(Forbidden))
async def delete_logo(admin: TenantAdmin, session: SessionDep) -> TenantSettings:
    """Remove the organisation's logo."""
    return service.settings_of(await service.remove_logo(session, admin.tenant))


@public_router.get("/{slug}", responses=errors_for(TenantNotFound, TenantSuspended))
async def get_public_tenant(slug: str, session: SessionDep) -> PublicTenant:
    """Public branding of an organisation (for its signup and login pages)."""
    return service.public(await service.enter_by_slug(session, slug.lower()))


@public_router.get(
    "/{slug}/logo",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}},
        **errors_for(TenantNotFound),
    },
)
async def get_logo(slug: str, session: SessionDep) -> Response:
    """The organisation's logo image."""
    tenant = await service.enter_by_slug(session, slug.lower(), allow_suspended=True)
    logo = await service.logo(session, tenant)
    return Response(
        logo.data,
        media_type=logo.content_type,
        headers={"Cache-Control": "public, max-age=86400", "ETag": f'"{logo.sha256[:32]}"'},
    )
