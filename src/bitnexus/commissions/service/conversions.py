"""Recording a sale: attribute it to a click or a coupon, compute the commission pool and its
shares (`split`), and post them as one balanced ledger transaction, all in the caller's unit
of work.

A vendor reports each order once: the order id is unique per vendor, and a retry with the same
content returns the original conversion (with 200, not 201), whoever else retries at once; the
same order id with other content is refused with both digests. A conversion that cannot be
attributed (no click or coupon, an unknown or expired click, another vendor's product) is kept
for the vendor's figures and earns nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from bitnexus.accounts import repository as accounts_repository
from bitnexus.accounts.models import Role, User
from bitnexus.catalog import repository as catalog_repository
from bitnexus.catalog.models import Product
from bitnexus.commissions import accounts, repository, split
from bitnexus.commissions.accounts import Earning
from bitnexus.commissions.errors import ConversionConflict, ConversionNotFound
from bitnexus.commissions.models import (
    Attribution,
    Commission,
    CommissionState,
    Conversion,
    ConversionState,
    HoldReason,
    ShareKind,
    Tier,
    Unattributed,
)
from bitnexus.commissions.schemas import ConversionCreate, ConversionPage, ConversionRead, ShareRead
from bitnexus.commissions.service import fraud, tiers
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden, InvalidInput
from bitnexus.core.money import is_currency
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec
from bitnexus.tenants.models import Tenant
from bitnexus.tracking.models import Click
from bitnexus.tracking.service.clicks import click_time
from bitnexus.tracking.service.links import on_site

CLICK_SETTLE = dt.timedelta(seconds=5)  # the longest a conversion waits for its click
_SKEW = dt.timedelta(seconds=1)  # a click id from another server a little ahead of this one


@dataclass(frozen=True)
class Reporter:
    """Who reports a sale or refund: a vendor by API key or in the app (tenant admins may refund
    in the app). A test-mode key's reports are checked and split but not stored."""

    tenant: Tenant
    user: User
    source: str  # "api", "browser" or "app"
    test: bool = False
    ip: str | None = None  # the buyer's browser (browser reports only)


@dataclass(frozen=True)
class Attributed:
    product: Product | None
    affiliate_id: uuid.UUID | None
    click: Click | None
    coupon_code: str | None
    kind: Attribution
    reason: Unattributed | None


def digest(body: ConversionCreate) -> bytes:
    """What a retry of the order must repeat."""
    content = {
        "amount_minor": body.amount_minor,
        "currency": body.currency,
        "click_id": str(body.click_id) if body.click_id else None,
        "coupon": body.coupon,
        "product_id": str(body.product_id) if body.product_id else None,
        "customer_ref": body.customer_ref,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).digest()


async def _product_of_vendor(
    session: AsyncSession, vendor: User, product_id: uuid.UUID
) -> Product | None:
    product = await catalog_repository.get(session, product_id)
    return product if product is not None and product.vendor_id == vendor.id else None


def cookie_window(product: Product, tenant: Tenant) -> dt.timedelta:
    days = product.cookie_days if product.cookie_days is not None else tenant.default_cookie_days
    return dt.timedelta(days=days)


def refund_hold(product: Product, tenant: Tenant) -> dt.timedelta:
    days = product.refund_hold_days
    return dt.timedelta(days=tenant.default_refund_hold_days if days is None else days)


async def _click(session: AsyncSession, click_id: uuid.UUID) -> Click | None:
    """The click, waiting up to `CLICK_SETTLE` after it was made for one that is not in
    PostgreSQL yet: a redirect is answered once its click is in the recorder's write-ahead
    file, and the recorder saves it to PostgreSQL a moment later."""
    click = await repository.click(session, click_id)
    made, now = click_time(click_id), utcnow()
    if click is not None or made is None or not now - CLICK_SETTLE < made < now + _SKEW:
        return click
    while click is None and utcnow() < made + CLICK_SETTLE:
        await asyncio.sleep(0.02)
        click = await repository.click(session, click_id)
    return click


async def attribute(
    session: AsyncSession, reporter: Reporter, body: ConversionCreate, now: dt.datetime
) -> Attributed:
    """Which affiliate (if any) the sale is credited to: the click (or, under first-click
    attribution, the same visitor's first click on the product within the window), else the
    coupon's affiliate."""
    vendor, tenant = reporter.user, reporter.tenant
    fallback: Product | None = None
    reason = Unattributed.no_click
    if body.click_id is not None:
        click = await _click(session, body.click_id)
        product = None if click is None else await catalog_repository.get(session, click.product_id)
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
                        session, click.visitor_hash, product.id, now - window
                    )
                    click = first or click
                return Attributed(product, click.affiliate_id, click, None, Attribution.click, None)
    if body.coupon is not None:
        coupon = await repository.coupon(session, body.coupon)
        product = (
            None if coupon is None else await catalog_repository.get(session, coupon.product_id)
        )
        if coupon is None or product is None:
            reason = Unattributed.unknown_coupon
        elif product.vendor_id != vendor.id:
            reason = Unattributed.other_vendor
        else:
            return Attributed(
                product, coupon.affiliate_id, None, coupon.code, Attribution.coupon, None
            )
    if body.product_id is not None:
        fallback = await _product_of_vendor(session, vendor, body.product_id)
        if fallback is None:
            raise InvalidInput("product_id", "Not one of your products.")
    return Attributed(fallback, None, None, None, Attribution.none, reason)


def rule_of(product: Product, tenant: Tenant, bonus_bps: int = 0) -> split.Rule:
    if product.commission_fixed_minor is not None:
        return split.Rule(fixed=product.commission_fixed_minor, bonus_bps=bonus_bps)
    bps = product.commission_bps
    return split.Rule(
        bps=tenant.default_commission_bps if bps is None else bps, bonus_bps=bonus_bps
    )


@dataclass(frozen=True)
class Plan:
    """A conversion's commission before anything is written: its rule, pool and shares."""

    rule: split.Rule
    shares: split.Split
    fee_bps: int
    uplines: list[repository.Upline]  # payable ones, by level
    override_bps: list[int]  # their rates
    tier: Tier  # the affiliate's, whose bonus is in the rule


async def plan(
    session: AsyncSession,
    tenant: Tenant,
    product: Product,
    affiliate_id: uuid.UUID,
    amount: int,
) -> Plan:
    levels = list(tenant.override_bps)
    uplines = [u for u in await repository.uplines(session, affiliate_id, len(levels)) if u.payable]
    rates = [levels[u.level - 1] for u in uplines]
    tier = await tiers.recorded(session, affiliate_id)
    rule = rule_of(product, tenant, tiers.bonus_of(tier, tenant))
    shares = split.split(
        split.pool(amount, rule), fee_bps=tenant.platform_fee_bps, override_bps=rates
    )
    return Plan(rule, shares, tenant.platform_fee_bps, uplines, rates, tier)


def _share_rows(
    conversion: Conversion,
    plan: Plan,
    affiliate_id: uuid.UUID,
    product_id: uuid.UUID,
    state: CommissionState,
    now: dt.datetime,
) -> list[Commission]:
    parties: list[tuple[ShareKind, int, uuid.UUID | None, int]] = [
        (ShareKind.affiliate, 0, affiliate_id, plan.shares.affiliate),
        *(
            (ShareKind.override, u.level, u.id, amount)
            for u, amount in zip(plan.uplines, plan.shares.overrides, strict=True)
        ),
        (ShareKind.platform_fee, 0, None, plan.shares.fee),
    ]
    return [
        Commission(
            id=uuid.uuid4(),
            tenant_id=conversion.tenant_id,
            conversion_id=conversion.id,
            beneficiary_id=who,
            vendor_id=conversion.vendor_id,
            product_id=product_id,
            link_id=conversion.link_id,
            kind=kind,
            level=level,
            amount_minor=amount,
            reversed_minor=0,
            currency=conversion.currency,
            state=state,
            created_at=now,
            updated_at=now,
        )
        for kind, level, who, amount in parties
        if amount > 0
    ]


EARNING_OF = {
    CommissionState.pending: Earning.pending,
    CommissionState.held: Earning.held,
    CommissionState.available: Earning.available,
}


def share_account(share: Commission, state: Earning | None = None) -> ledger.AccountSpec:
    """Where a share's money is: the platform's fees, or the beneficiary's account for `state`
    (by default the share's own state)."""
    if share.beneficiary_id is None:
        return accounts.fees(share.currency)
    earning = state or EARNING_OF[CommissionState(share.state)]
    return accounts.earnings(share.beneficiary_id, earning, share.currency)


async def _post(
    session: AsyncSession, conversion: Conversion, plan: Plan, shares: list[Commission], title: str
) -> uuid.UUID:
    currency = conversion.currency
    receivable = accounts.receivable(conversion.vendor_id, currency)
    credited = [(share_account(s), s) for s in shares]
    await ledger.open_accounts(
        session, conversion.tenant_id, [receivable, *(account for account, _ in credited)]
    )
    commission: dict[str, int | None] = {"bps": plan.rule.bps, "fixed_minor": plan.rule.fixed}
    posted = await ledger.post_transaction(
        session,
        conversion.tenant_id,
        idempotency_key=f"conversion:{conversion.id}",
        description=f"Commission: {title}, order {conversion.order_id}",
        postings=[
            PostingSpec(receivable.code, plan.shares.pool, currency),
            *(PostingSpec(account.code, -s.amount_minor, currency) for account, s in credited),
        ],
        metadata={
            "rule": split.RULE,
            "conversion_id": str(conversion.id),
            "order_id": conversion.order_id,
            "sale_minor": conversion.amount_minor,
            "commission": commission,
            "tier": plan.tier,
            "tier_bonus_bps": plan.rule.bonus_bps,
            "fee_bps": plan.fee_bps,
            "override_bps": plan.override_bps,
            "pool_minor": plan.shares.pool,
        },
    )
    return posted.id


async def record(
    session: AsyncSession,
    reporter: Reporter,
    body: ConversionCreate,
    *,
    now: dt.datetime | None = None,
) -> tuple[ConversionRead, bool]:
    """Record a sale (or return the one recorded for its order before); True when new."""
    if reporter.user.role != Role.vendor:
        raise Forbidden("Only vendors report sales.")
    if not is_currency(body.currency):
        raise InvalidInput("currency", "Not an ISO 4217 currency code.")
    now = now or utcnow()
    given = digest(body)
    vendor, tenant = reporter.user, reporter.tenant
    if not reporter.test:
        earlier = await repository.conversion_by_order(session, vendor.id, body.order_id)
        if earlier is not None:
            return await _replay(session, earlier, given), False
    found = await attribute(session, reporter, body, now)
    product = found.product
    if product is not None and product.currency != body.currency:
        raise InvalidInput("currency", f"This product sells in {product.currency}.")
    made = None
    held: list[HoldReason] = []
    click = found.click
    ip_hash, ip_day = await fraud.buyer_address(session, click, reporter.ip, now)
    if found.affiliate_id is not None and product is not None:
        made = await plan(session, tenant, product, found.affiliate_id, body.amount_minor)
        affiliate = await accounts_repository.get_user(session, found.affiliate_id)
        assert affiliate is not None
        evidence = fraud.Evidence(
            affiliate=affiliate,
            product_id=product.id,
            attribution=found.kind,
            click=click,
            ip_hash=ip_hash,
            ip_day=ip_day,
            customer_ref=body.customer_ref,
            window=cookie_window(product, tenant),
            now=now,
        )
        held = await fraud.reasons(session, tenant, evidence)
    state = ConversionState.held if held else ConversionState.pending
    conversion = Conversion(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        vendor_id=vendor.id,
        order_id=body.order_id,
        amount_minor=body.amount_minor,
        currency=body.currency,
        customer_ref=body.customer_ref,
        product_id=product.id if product else None,
        click_id=click.id if click else None,
        link_id=click.link_id if click and made else None,
        coupon_code=found.coupon_code,
        affiliate_id=found.affiliate_id,
        attribution=found.kind,
        unattributed_reason=found.reason,
        state=state if made else ConversionState.unattributed,
        source=reporter.source,
        digest=given,
        ip_hash=ip_hash,
        commission_bps=made.rule.bps if made else None,
        commission_fixed_minor=made.rule.fixed if made else None,
        tier_bonus_bps=made.rule.bonus_bps if made else 0,
        fee_bps=made.fee_bps if made else 0,
        override_bps=made.override_bps if made else [],
        pool_minor=made.shares.pool if made else 0,
        refunded_minor=0,
        ledger_transaction_id=None,
        created_at=now,
        matures_at=now + refund_hold(product, tenant) if made and product else None,
        matured_at=None,
    )
    share_state = CommissionState.held if held else CommissionState.pending
    shares = (
        _share_rows(conversion, made, found.affiliate_id, product.id, share_state, now)
        if made and found.affiliate_id and product
        else []
    )
    title = product.title if product else None
    if reporter.test:
        return _read(conversion, shares, title, held, test=True), False
    values = {c.key: getattr(conversion, c.key) for c in Conversion.__table__.columns}
    if not await repository.insert_conversion(session, values):
        earlier = await repository.conversion_by_order(session, vendor.id, body.order_id)
        assert earlier is not None  # the insert that won has committed
        return await _replay(session, earlier, given), False
    make_transient_to_detached(conversion)  # the row just inserted, without reading it back
    session.add(conversion)
    if made and shares and product:
        session.add_all(shares)
        conversion.ledger_transaction_id = await _post(
            session, conversion, made, shares, product.title
        )
    if held:
        await fraud.open_hold(session, conversion, held, now)
    await session.flush()
    return _read(conversion, shares, title, held), True


async def _replay(session: AsyncSession, earlier: Conversion, given: bytes) -> ConversionRead:
    if earlier.digest != given:
        raise ConversionConflict(earlier.order_id, earlier.digest, given)
    return (await reads(session, [earlier]))[0]


def _read(
    conversion: Conversion,
    shares: list[Commission],
    title: str | None,
    held: Sequence[HoldReason] = (),
    *,
    test: bool = False,
) -> ConversionRead:
    return ConversionRead(
        id=conversion.id,
        order_id=conversion.order_id,
        amount_minor=conversion.amount_minor,
        currency=conversion.currency,
        refunded_minor=conversion.refunded_minor,
        product_id=conversion.product_id,
        product_title=title,
        affiliate_id=conversion.affiliate_id,
        attribution=Attribution(conversion.attribution),
        unattributed_reason=(
            Unattributed(conversion.unattributed_reason) if conversion.unattributed_reason else None
        ),
        state=ConversionState(conversion.state),
        pool_minor=conversion.pool_minor,
        shares=[ShareRead.model_validate(s) for s in shares],
        ledger_transaction_id=conversion.ledger_transaction_id,
        created_at=conversion.created_at,
        matures_at=conversion.matures_at,
        hold_reasons=list(held),
        test=test,
    )


async def reads(session: AsyncSession, conversions: list[Conversion]) -> list[ConversionRead]:
    ids = [c.id for c in conversions]
    shares = await repository.shares_of(session, ids)
    holds = await repository.holds_of(session, ids)
    titles = await repository.titles(session, {c.product_id for c in conversions if c.product_id})
    return [
        _read(
            c,
            shares[c.id],
            titles.get(c.product_id) if c.product_id else None,
            [HoldReason(r) for r in holds[c.id].reasons] if c.id in holds else (),
        )
        for c in conversions
    ]


async def visible(
    session: AsyncSession, user: User, conversion_id: uuid.UUID, *, lock: bool = False
) -> Conversion:
    """A conversion its vendor (or a tenant admin) may see and refund; 404 to anyone else."""
    conversion = await repository.conversion(session, conversion_id, lock=lock)
    if conversion is None or (user.role != Role.tenant_admin and conversion.vendor_id != user.id):
        raise ConversionNotFound()
    return conversion


async def get(session: AsyncSession, user: User, conversion_id: uuid.UUID) -> ConversionRead:
    return (await reads(session, [await visible(session, user, conversion_id)]))[0]


async def listed(
    session: AsyncSession, user: User, *, cursor: str | None, limit: int
) -> ConversionPage:
    """The vendor's conversions, newest first (tenant admins: every vendor's)."""
    if user.role not in (Role.vendor, Role.tenant_admin):
        raise Forbidden("Only vendors and admins see conversions.")
    rows = await repository.conversions(
        session,
        vendor_id=None if user.role == Role.tenant_admin else user.id,
        after=Cursor.decode(cursor),
        limit=limit + 1,
    )
    page, next_cursor = split_page(rows, limit)
    return ConversionPage(items=await reads(session, page), next_cursor=next_cursor)


async def check_origin(session: AsyncSession, vendor: User, origin: str | None) -> None:
    """A browser report must come from a page on the site of one of the vendor's products."""
    pages = await repository.landing_pages(session, vendor.id)
    if not origin or not any(on_site(origin, page) for page in pages):
        raise Forbidden("Browser reports are accepted only from your products' sites.")
