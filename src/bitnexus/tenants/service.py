"""Tenant rules: creation, settings, branding."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import set_tenant, utcnow
from bitnexus.core.errors import FieldError, InvalidInput
from bitnexus.core.images import checked_image
from bitnexus.tenants import repository
from bitnexus.tenants.errors import (
    InvalidLogo,
    SignupClosed,
    SlugTaken,
    TenantNotFound,
    TenantSuspended,
)
from bitnexus.tenants.models import Tenant, TenantLogo, TenantStatus
from bitnexus.tenants.schemas import PublicTenant, TenantBrief, TenantSettings, TenantSettingsUpdate

RESERVED_SLUGS = frozenset(
    {"platform", "admin", "api", "app", "static", "www", "login", "signup", "dev", "r", "sdk"}
    # `/join/confirm` is the sign-up link's page beside the join pages `/join/<slug>`
    | {"confirm"}
)
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 2048


def logo_url(tenant: Tenant) -> str | None:
    if tenant.logo_sha256 is None:
        return None
    return f"/api/v1/public/tenants/{tenant.slug}/logo?v={tenant.logo_sha256[:12]}"


def brief(tenant: Tenant) -> TenantBrief:
    return TenantBrief(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        display_name=tenant.display_name,
        brand_color=tenant.brand_color,
        logo_url=logo_url(tenant),
        default_currency=tenant.default_currency,
    )


def public(tenant: Tenant) -> PublicTenant:
    return PublicTenant(
        slug=tenant.slug,
        display_name=tenant.display_name,
        brand_color=tenant.brand_color,
        logo_url=logo_url(tenant),
    )


def settings_of(tenant: Tenant) -> TenantSettings:
    return TenantSettings(
        slug=tenant.slug,
        name=tenant.name,
        display_name=tenant.display_name,
        brand_color=tenant.brand_color,
        logo_url=logo_url(tenant),
        default_currency=tenant.default_currency,
        default_commission_bps=tenant.default_commission_bps,
        default_cookie_days=tenant.default_cookie_days,
        default_refund_hold_days=tenant.default_refund_hold_days,
        fallback_url=tenant.fallback_url,
        platform_fee_bps=tenant.platform_fee_bps,
        override_bps=list(tenant.override_bps),
        attribution=tenant.attribution,
        fraud_min_click_seconds=tenant.fraud_min_click_seconds,
        fraud_max_sales_per_address=tenant.fraud_max_sales_per_address,
        fraud_hold_coupon_without_click=tenant.fraud_hold_coupon_without_click,
        payout_threshold_minor=tenant.payout_threshold_minor,
        payout_schedule=tenant.payout_schedule,
        tier_thresholds=list(tenant.tier_thresholds),
        tier_bonus_bps=list(tenant.tier_bonus_bps),
        content_credits_monthly=tenant.content_credits_monthly,
        content_disclosure=tenant.content_disclosure,
        recurring=tenant.recurring,
        recurring_limit=tenant.recurring_limit,
        lead_reward_minor=tenant.lead_reward_minor,
    )


async def enter_by_slug(
    session: AsyncSession, slug: str, *, allow_suspended: bool = False
) -> Tenant:
    """Resolve a public slug, scope the transaction to that tenant and return it."""
    found = await repository.lookup_slug(session, slug)
    if found is None:
        raise TenantNotFound(f"No organisation is called '{slug}'.")
    if found.status == TenantStatus.suspended and not allow_suspended:
        raise TenantSuspended("This organisation is suspended.")
    await set_tenant(session, found.id)
    tenant = await repository.get(session, found.id)
    if tenant is None:  # pragma: no cover - the function and the policy disagree
        raise TenantNotFound()
    return tenant


async def enter_for_signup(session: AsyncSession, slug: str) -> Tenant:
    """`enter_by_slug` for a public sign-up: the reserved platform organisation takes none
    (its members are made by `bitnexus create-platform-admin` only)."""
    tenant = await enter_by_slug(session, slug)
    if tenant.is_platform:
        raise SignupClosed(
            "This organisation takes no sign-ups.",
            errors=[FieldError("slug", "Not open for sign-up.")],
        )
    return tenant


async def find_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    """The tenant a slug names, whatever its status, with the transaction scoped to it; None
    (and no scope) for an unknown slug."""
    found = await repository.lookup_slug(session, slug)
    if found is None:
        return None
    await set_tenant(session, found.id)
    return await repository.get(session, found.id)


async def current(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    tenant = await repository.get(session, tenant_id)
    if tenant is None:
        raise TenantNotFound()
    return tenant


async def create(
    session: AsyncSession, *, name: str, slug: str, is_platform: bool = False
) -> Tenant:
    """Create a tenant and scope the transaction to it."""
    if slug in RESERVED_SLUGS and not is_platform:
        raise SlugTaken(errors=[FieldError("slug", "This name is reserved.")])
    tenant_id = uuid.uuid4()
    await set_tenant(session, tenant_id)
    tenant = Tenant(
        id=tenant_id,
        slug=slug,
        name=name,
        display_name=name,
        brand_color="#4f46e5",
        default_currency="USD",
        default_commission_bps=1000,
        default_cookie_days=30,
        default_refund_hold_days=30,
        status=TenantStatus.active,
        is_platform=is_platform,
    )
    try:
        async with session.begin_nested():
            await repository.add(session, tenant)
    except IntegrityError as exc:
        if "uq_tenants_slug" in str(exc.orig):
            raise SlugTaken(
                f"The slug '{slug}' is taken.", errors=[FieldError("slug", "Already taken.")]
            ) from exc
        raise
    return tenant


# what the commission policy form saves (its first save ticks the getting-started step)
POLICY_FIELDS = frozenset(
    {
        "platform_fee_bps",
        "override_bps",
        "attribution",
        "payout_schedule",
        "tier_bonus_bps",
        "recurring",
        "lead_reward_minor",
    }
)


async def update_settings(
    session: AsyncSession, tenant: Tenant, changes: TenantSettingsUpdate
) -> Tenant:
    """Apply the set fields (the commission policy is checked by `commissions.service.policy`)."""
    data = changes.model_dump(exclude_unset=True)
    if "fallback_url" in data:  # "" clears it: dead links then land on the built-in page
        url = data.pop("fallback_url")
        tenant.fallback_url = str(url) if url else None
    if "recurring" in data or "recurring_limit" in data:  # a limit only counts months or renewals
        rule = data.pop("recurring", None) or tenant.recurring
        limit = data.pop("recurring_limit", tenant.recurring_limit)
        tenant.recurring = rule
        tenant.recurring_limit = limit if rule in ("months", "renewals") else None
    if "lead_reward_minor" in data:  # 0 turns lead rewards off
        tenant.lead_reward_minor = data.pop("lead_reward_minor") or None
    for field, value in data.items():
        if value is None:
            raise InvalidInput(field, "May not be null.")
        setattr(tenant, field, value)
    tenant.updated_at = utcnow()
    if tenant.policy_saved_at is None and POLICY_FIELDS & data.keys():
        tenant.policy_saved_at = tenant.updated_at
    await session.flush()
    return tenant


async def dismiss_onboarding(session: AsyncSession, tenant: Tenant) -> None:
    """Put the getting-started checklist away for every admin of the organisation."""
    tenant.onboarding_dismissed_at = utcnow()
    await session.flush()


async def set_logo(session: AsyncSession, tenant: Tenant, data: bytes) -> Tenant:
    image = checked_image(
        data, max_bytes=MAX_LOGO_BYTES, max_pixels=MAX_LOGO_PIXELS, what="logo", error=InvalidLogo
    )
    await repository.put_logo(
        session,
        TenantLogo(
            tenant_id=tenant.id,
            content_type=image.content_type,
            data=data,
            sha256=image.sha256,
            updated_at=utcnow(),
        ),
    )
    tenant.logo_sha256 = image.sha256
    tenant.updated_at = utcnow()
    await session.flush()
    return tenant


async def remove_logo(session: AsyncSession, tenant: Tenant) -> Tenant:
    await repository.delete_logo(session, tenant.id)
    tenant.logo_sha256 = None
    tenant.updated_at = utcnow()
    await session.flush()
    return tenant


async def logo(session: AsyncSession, tenant: Tenant) -> TenantLogo:
    found = await repository.get_logo(session, tenant.id)
    if found is None:
        raise TenantNotFound("This organisation has no logo.")
    return found


async def id_of_slug(session: AsyncSession, slug: str) -> uuid.UUID | None:
    """The id of the tenant a public slug names (whatever its status), before any tenant
    context exists."""
    found = await repository.lookup_slug(session, slug)
    return None if found is None else found.id
