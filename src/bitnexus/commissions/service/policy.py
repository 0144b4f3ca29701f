"""The commission policy a tenant admin may set: the platform fee and the overrides fit in the
pool, and the tier ladder climbs."""

from __future__ import annotations

from bitnexus.commissions.service import tiers
from bitnexus.core.errors import InvalidInput
from bitnexus.core.money import BPS
from bitnexus.tenants.models import Tenant
from bitnexus.tenants.schemas import TenantSettingsUpdate


def check(tenant: Tenant, changes: TenantSettingsUpdate) -> None:
    """Refuse settings that would leave a sale's pool overspent or the tier ladder unusable."""
    data = changes.model_dump(exclude_unset=True)
    fee = data.get("platform_fee_bps", tenant.platform_fee_bps)
    levels = data.get("override_bps", tenant.override_bps)
    if fee is not None and levels is not None and fee + sum(levels) > BPS:
        field = "override_bps" if "override_bps" in data else "platform_fee_bps"
        raise InvalidInput(
            field, "The platform fee and the overrides together may not exceed 100% of the pool."
        )
    if "tier_thresholds" in data or "tier_bonus_bps" in data:
        thresholds = data.get("tier_thresholds") or tenant.tier_thresholds
        bonuses = data.get("tier_bonus_bps") or tenant.tier_bonus_bps
        why = tiers.check_ladder(thresholds, bonuses)
        if why:
            raise InvalidInput("tier_thresholds", why)
    rule = data.get("recurring") or tenant.recurring
    limit = data.get("recurring_limit", tenant.recurring_limit)
    if rule in ("months", "renewals") and limit is None:
        raise InvalidInput("recurring_limit", f"Say for how many {rule} renewals earn.")
