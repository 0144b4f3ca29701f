"""Which getting-started steps an organisation has done, read from what it has: a step is done
when its result exists (a logo, a product, a key, a sale), never because a box was ticked."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service import users
from bitnexus.apikeys import service as apikeys
from bitnexus.catalog import service as catalog
from bitnexus.commissions.service import conversions
from bitnexus.core.config import Settings
from bitnexus.onboarding.schemas import Onboarding, OnboardingStep
from bitnexus.recruiting import service as recruiting
from bitnexus.tenants.models import Tenant

DEFAULT_BRAND_COLOR = "#4f46e5"


async def checklist(session: AsyncSession, settings: Settings, tenant: Tenant) -> Onboarding:
    """The organisation's steps, in the order a programme is usually set up."""
    steps = [
        OnboardingStep(
            key="branding",
            title="Make it yours",
            detail="Upload your logo or pick your brand colour: affiliates see them everywhere.",
            done=tenant.logo_sha256 is not None or tenant.brand_color != DEFAULT_BRAND_COLOR,
            href="/app/settings",
        ),
        OnboardingStep(
            key="policy",
            title="Set your commission policy",
            detail="Platform fee, referral overrides, tiers, fraud rules and payout schedule.",
            done=tenant.policy_saved_at is not None,
            href="/app/settings",
        ),
        OnboardingStep(
            key="product",
            title="Get a first product listed",
            detail="Invite a vendor: they list products, you review and grade them.",
            done=await catalog.has_products(session),
            href="/app/users",
        ),
        OnboardingStep(
            key="recruit",
            title="Invite or share the join page",
            detail="Share your join page (terms, commission, your questions) or invite by mail.",
            done=await users.has_recruited(session) or await recruiting.has_applications(session),
            href="/app/recruiting",
        ),
        OnboardingStep(
            key="api_key",
            title="Connect the shop",
            detail="A vendor makes a sales reporting key (Sales page) for their shop's checkout.",
            done=await apikeys.has_keys(session),
            href="/app/sales",
        ),
        OnboardingStep(
            key="test_sale",
            title="Report a test sale",
            detail="Send one sale with a test key and watch it reach the ledger.",
            done=await conversions.has_sales(session) or await apikeys.test_key_used(session),
            href="/app/sales",
        ),
    ]
    return Onboarding(
        steps=steps,
        done=sum(step.done for step in steps),
        dismissed=tenant.onboarding_dismissed_at is not None,
        join_url=f"{settings.app_url}/join/{tenant.slug}",
    )
