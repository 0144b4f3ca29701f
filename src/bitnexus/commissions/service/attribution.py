"""Who a sale is credited to, and its commission plan, for a batch of one tenant's sales.

The reads a batch needs are made once (`Lookups`): its clicks in one query, each product,
coupon and affiliate (with tier and uplines) once however many sales name it; every sale is
then decided on its own, exactly as if it were reported alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.accounts.service import users
from bitnexus.catalog import service as catalog
from bitnexus.catalog.models import Product
from bitnexus.commissions import recurring_repository, repository, split
from bitnexus.commissions.models import Attribution, Coupon, Tier, Unattributed
from bitnexus.commissions.schemas import ConversionCreate
from bitnexus.commissions.service import tiers
from bitnexus.commissions.service.recurring import RecurringRule, Subscribed
from bitnexus.core.db import utcnow
from bitnexus.core.errors import InvalidInput
from bitnexus.core.ids import uuid7_time
from bitnexus.groups import service as groups
from bitnexus.tenants.models import Tenant
from bitnexus.tracking.models import Click

CLICK_SETTLE = dt.timedelta(seconds=5)  # the longest a sale waits for its click
_SKEW = dt.timedelta(seconds=1)  # a click id from another server a little ahead of this one


class NotYet:
    """A sale that cannot be decided in this batch: its click is younger than `CLICK_SETTLE`
    and not in PostgreSQL yet (a redirect is answered once its click is durable; it reaches
    PostgreSQL a moment later), or an earlier sale of the batch
    has the same order. Nothing is written for it: report it again in a moment."""


NOT_YET = NotYet()


@dataclass(frozen=True)
class Attributed:
    product: Product | None
    affiliate_id: uuid.UUID | None
    click: Click | None
    coupon_code: str | None
    kind: Attribution
    reason: Unattributed | None
    subscription: Subscribed | None = None  # the one it renews
    renewal: int | None = None  # its number (from 1), when it renews one


@dataclass(frozen=True)
class Affiliate:
    user: User
    uplines: list[repository.Upline]  # payable ones, by level
    tier: Tier
    group: groups.Terms | None  # the group they are in now


@dataclass(frozen=True)
class Plan:
    """A conversion's commission before anything is written: its rule, pool and shares."""

    rule: split.Rule
    shares: split.Split
    fee_bps: int
    uplines: list[repository.Upline]  # payable ones, by level
    override_bps: list[int]  # their rates
    tier: Tier  # the affiliate's, whose bonus is in the rule
    group_id: uuid.UUID | None = None  # the group whose rule it is, if it is a group's


class Lookups:
    """What a batch of one tenant's sales reads, each thing once."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant
        self._clicks: dict[uuid.UUID, Click] = {}
        self._products: dict[uuid.UUID, Product | None] = {}
        self._coupons: dict[str, Coupon | None] = {}
        self._affiliates: dict[uuid.UUID, Affiliate] = {}
        self.subscriptions: dict[tuple[uuid.UUID, str], Subscribed] = {}

    async def load_subscriptions(self, keys: Iterable[tuple[uuid.UUID, str]]) -> None:
        """The subscriptions these (vendor, subscription id) name, locked (in primary-key
        order) so that concurrent renewals of one are numbered one after another."""
        wanted = set(keys) - self.subscriptions.keys()
        if wanted:
            found = await recurring_repository.subscriptions(self.session, wanted)
            self.subscriptions.update((key, Subscribed.of(row)) for key, row in found.items())

    def subscribe(
        self, vendor: User, body: ConversionCreate, attributed: Attributed, now: dt.datetime
    ) -> Subscribed | None:
        """Count a renewal on its subscription, or start the subscription a first sale names
        (the batch's later sales of it are its renewals); the subscription, if any."""
        renewed, ref = attributed.subscription, body.subscription_id
        if renewed is not None:
            renewed.renewals += 1
            renewed.renewals_earned += attributed.kind == Attribution.renewal
            return renewed
        if ref is None:
            return None
        product = attributed.product
        started = Subscribed(
            id=uuid.uuid4(),
            vendor_id=vendor.id,
            subscription_ref=ref,
            affiliate_id=attributed.affiliate_id,
            product_id=product.id if product else None,
            first_order_id=body.order_id,
            started_at=now,
            renewals=0,
            renewals_earned=0,
            new=True,
        )
        self.subscriptions[(vendor.id, ref)] = started
        return started

    async def load_clicks(self, ids: Iterable[uuid.UUID]) -> None:
        wanted = set(ids) - self._clicks.keys()
        if wanted:
            self._clicks.update(await repository.clicks(self.session, wanted))

    def click(self, click_id: uuid.UUID) -> Click | None:
        return self._clicks.get(click_id)

    async def product(self, product_id: uuid.UUID) -> Product | None:
        if product_id not in self._products:
            self._products[product_id] = await catalog.find_product(self.session, product_id)
        return self._products[product_id]

    async def coupon(self, code: str) -> Coupon | None:
        if code not in self._coupons:
            self._coupons[code] = await repository.coupon(self.session, code)
        return self._coupons[code]

    async def affiliate(self, user_id: uuid.UUID) -> Affiliate:
        if user_id not in self._affiliates:
            user = await users.find_user(self.session, user_id)
            assert user is not None  # clicks and coupons keep their affiliate
            levels = len(self.tenant.override_bps)
            chain = await repository.uplines(self.session, user_id, levels)
            tier = await tiers.recorded(self.session, user_id)
            group = await groups.terms_of(self.session, user_id)
            self._affiliates[user_id] = Affiliate(
                user, [u for u in chain if u.payable], tier, group
            )
        return self._affiliates[user_id]


def cookie_window(product: Product, tenant: Tenant) -> dt.timedelta:
    days = product.cookie_days if product.cookie_days is not None else tenant.default_cookie_days
    return dt.timedelta(days=days)


def refund_hold(product: Product, tenant: Tenant) -> dt.timedelta:
    days = product.refund_hold_days
    return dt.timedelta(days=tenant.default_refund_hold_days if days is None else days)


def settling(click_id: uuid.UUID) -> bool:
    """Whether a click not found may still be on its way (made less than `CLICK_SETTLE` ago)."""
    made, now = uuid7_time(click_id), utcnow()  # click ids are UUIDv7s
    return made is not None and now - CLICK_SETTLE < made < now + _SKEW


async def attribute(
    found: Lookups, vendor: User, body: ConversionCreate, now: dt.datetime
) -> Attributed | NotYet:
    """Which affiliate (if any) the sale is credited to: the click (or, under first-click
    attribution, the same visitor's first click on the product within the window), else the
    coupon's affiliate. A renewal of a known subscription is credited to its first sale's
    affiliate, while the recurring rule allows. Clicks and subscriptions must have been loaded
    (`Lookups.load_clicks`, `Lookups.load_subscriptions`)."""
    tenant = found.tenant
    if body.subscription_id is not None:
        renewed = found.subscriptions.get((vendor.id, body.subscription_id))
        if renewed is not None:
            return await _renewal(found, renewed, now)
    fallback: Product | None = None
    reason = Unattributed.no_click
    if body.click_id is not None:
        click = found.click(body.click_id)
        if click is None and settling(body.click_id):
            return NOT_YET
        product = None if click is None else await found.product(click.product_id)
        if click is None or product is None:
            reason = Unattributed.unknown_click
        elif product.vendor_id != vendor.id:
            reason = Unattributed.other_vendor
        else:
            fallback = product
            window = cookie_window(product, tenant)
            if now - click.created_at > window:
                reason = Unattributed.expired_click
            else:
                if tenant.attribution == "first_click":
                    first = await repository.first_click(
                        found.session, click.visitor_hash, product.id, now - window
                    )
                    click = first or click
                return Attributed(product, click.affiliate_id, click, None, Attribution.click, None)
    if body.coupon is not None:
        coupon = await found.coupon(body.coupon)
        product = None if coupon is None else await found.product(coupon.product_id)
        if coupon is None or product is None:
            reason = Unattributed.unknown_coupon
        elif product.vendor_id != vendor.id:
            reason = Unattributed.other_vendor
        else:
            return Attributed(
                product, coupon.affiliate_id, None, coupon.code, Attribution.coupon, None
            )
    if body.product_id is not None:
        fallback = await found.product(body.product_id)
        if fallback is None or fallback.vendor_id != vendor.id:
            raise InvalidInput("product_id", "Not one of your products.")
    return Attributed(fallback, None, None, None, Attribution.none, reason)


async def _renewal(found: Lookups, renewed: Subscribed, now: dt.datetime) -> Attributed:
    number = renewed.renewals + 1
    product = await found.product(renewed.product_id) if renewed.product_id else None
    rule = RecurringRule(found.tenant.recurring, found.tenant.recurring_limit)
    why = (
        Unattributed.no_click
        if renewed.affiliate_id is None or product is None
        else rule.why_not(number, renewed.started_at, now)
    )
    if why is not None:
        return Attributed(product, None, None, None, Attribution.none, why, renewed, number)
    return Attributed(
        product, renewed.affiliate_id, None, None, Attribution.renewal, None, renewed, number
    )


def rule_of(
    product: Product, tenant: Tenant, bonus_bps: int = 0, group: groups.Terms | None = None
) -> split.Rule:
    """A sale's rule: the affiliate's group's, where it covers the product; else the product's;
    else the organisation's rate. The tier bonus goes on top of any of them."""
    if group is not None and group.rule.covers(product.id):
        return group.rule.rule(bonus_bps)
    if product.commission_fixed_minor is not None:
        return split.Rule(fixed=product.commission_fixed_minor, bonus_bps=bonus_bps)
    bps = product.commission_bps
    return split.Rule(
        bps=tenant.default_commission_bps if bps is None else bps, bonus_bps=bonus_bps
    )


def plan(tenant: Tenant, product: Product, affiliate: Affiliate, amount: int) -> Plan:
    levels = list(tenant.override_bps)
    rates = [levels[u.level - 1] for u in affiliate.uplines]
    group = affiliate.group
    rule = rule_of(product, tenant, tiers.bonus_of(affiliate.tier, tenant), group)
    shares = split.split(
        split.pool(amount, rule), fee_bps=tenant.platform_fee_bps, override_bps=rates
    )
    return Plan(
        rule,
        shares,
        tenant.platform_fee_bps,
        affiliate.uplines,
        rates,
        affiliate.tier,
        group.id if group is not None and group.rule.covers(product.id) else None,
    )


def lead_plan(tenant: Tenant, affiliate: Affiliate) -> Plan | None:
    """A lead's commission: the organisation's fixed lead reward, split like a sale's pool (no
    tier bonus: the reward is a set amount); None when leads earn nothing."""
    reward = tenant.lead_reward_minor
    if not reward:
        return None
    levels = list(tenant.override_bps)
    rates = [levels[u.level - 1] for u in affiliate.uplines]
    shares = split.split(reward, fee_bps=tenant.platform_fee_bps, override_bps=rates)
    rule = split.Rule(fixed=reward)
    return Plan(rule, shares, tenant.platform_fee_bps, affiliate.uplines, rates, affiliate.tier)
