"""Tiers: Bronze → Silver → Gold → Platinum by an affiliate's approved earnings (their shares
matured to available, net of refunds) over the trailing 90 days, against the tenant's
thresholds; each tier above Bronze adds its bonus to the commission pool of the affiliate's
sales (see `split`). The tier is worked out afresh whenever the affiliate's commissions mature
(the only time their approved earnings grow), when they look at it, and by an hourly review of
everyone above Bronze (so a tier falls as its earnings leave the window even if the affiliate
does nothing); every change is recorded, and a sale uses the recorded tier (one indexed read,
not a sum over earnings)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.commissions import repository
from bitnexus.commissions.models import Tier, TierChange
from bitnexus.commissions.schemas import TierChangeRead, TierRead
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden
from bitnexus.core.money import BPS
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.tenants.models import Tenant

LADDER = (Tier.bronze, Tier.silver, Tier.gold, Tier.platinum)
TRAILING = dt.timedelta(days=90)


def tier_for(earnings: int, thresholds: Sequence[int]) -> Tier:
    reached = Tier.bronze
    for tier, threshold in zip(LADDER[1:], thresholds, strict=True):
        if earnings >= threshold:
            reached = tier
    return reached


def bonus_of(tier: Tier, tenant: Tenant) -> int:
    return 0 if tier == Tier.bronze else tenant.tier_bonus_bps[LADDER.index(tier) - 1]


def check_ladder(thresholds: Sequence[int], bonuses: Sequence[int]) -> str | None:
    """Why a tier ladder is not usable, or None."""
    if len(thresholds) != 3 or len(bonuses) != 3:
        return "Give Silver, Gold and Platinum, in that order."
    if thresholds[0] <= 0 or any(b <= a for a, b in pairwise(thresholds)):
        return "Each tier needs more earnings than the one below it."
    if any(not 0 <= b <= BPS for b in bonuses):
        return f"Bonuses are 0 to {BPS} basis points."
    return None


async def standing(
    session: AsyncSession, tenant: Tenant, user_id: uuid.UUID, now: dt.datetime
) -> tuple[Tier, int]:
    """The affiliate's tier now, and the trailing earnings it rests on; a change is recorded."""
    earned = await repository.approved_earnings(
        session, user_id, tenant.default_currency, now - TRAILING
    )
    tier = tier_for(earned, tenant.tier_thresholds)
    latest = await repository.latest_tier(session, user_id)
    previous = Tier(latest.tier) if latest else Tier.bronze
    if tier != previous:
        session.add(
            TierChange(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                user_id=user_id,
                previous=previous,
                tier=tier,
                earnings_minor=earned,
                created_at=now,
            )
        )
        await session.flush()
        data = {"user_id": user_id, "previous": previous, "tier": tier, "earnings_minor": earned}
        await emit(session, NewEvent(tenant.id, "tier.changed", data, [user_topic(user_id)]))
    return tier, earned


async def review(session: AsyncSession, tenant: Tenant, now: dt.datetime) -> int:
    """Work out afresh the tier of every affiliate of `tenant` above Bronze; returns how many
    changed. Processes reviewing the same tenant take turns."""
    await repository.lock_tier_review(session, tenant.id)
    changed = 0
    for user_id, tier in await repository.above_bronze(session):
        now_tier, _ = await standing(session, tenant, user_id, now)
        changed += now_tier != tier
    return changed


async def recorded(session: AsyncSession, user_id: uuid.UUID) -> Tier:
    latest = await repository.latest_tier(session, user_id)
    return Tier(latest.tier) if latest else Tier.bronze


async def recorded_of(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Tier]:
    """The recorded tier of each of these affiliates (Bronze before any change)."""
    latest = await repository.latest_tiers(session, user_ids)
    return {u: Tier(latest[u]) if u in latest else Tier.bronze for u in user_ids}


async def mine(session: AsyncSession, user: User, tenant: Tenant) -> TierRead:
    if user.role != Role.affiliate:
        raise Forbidden("Tiers are for affiliates.")
    return await of(session, user, tenant)


async def of(session: AsyncSession, user: User, tenant: Tenant) -> TierRead:
    """An affiliate's tier now, the earnings it rests on, the way up and its history."""
    tier, earned = await standing(session, tenant, user.id, utcnow())
    step = LADDER.index(tier)
    following = LADDER[step + 1] if step + 1 < len(LADDER) else None
    return TierRead(
        tier=tier,
        bonus_bps=bonus_of(tier, tenant),
        earnings_minor=earned,
        currency=tenant.default_currency,
        next_tier=following,
        next_threshold_minor=tenant.tier_thresholds[step] if following else None,
        ladder=[
            {
                "tier": t,
                "threshold_minor": ([0, *tenant.tier_thresholds])[i],
                "bonus_bps": bonus_of(t, tenant),
            }
            for i, t in enumerate(LADDER)
        ],
        history=[
            TierChangeRead.model_validate(c)
            for c in await repository.tier_history(session, user.id)
        ],
    )
