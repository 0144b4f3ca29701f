"""Recording sales: attribute each to a click or a coupon, compute its commission pool and
shares (`split`), and post them as one balanced ledger transaction, in the caller's unit of
work. Sales are recorded in batches of one tenant's (`record_many`; `record` is a batch of
one): the reads of a batch are set-based (`attribution.Lookups`, `fraud.records`) and it writes
one statement per table, and every sale gets the outcome it would have had alone.

A vendor reports each order once: the order id is unique per vendor, and a retry with the same
content returns the original conversion (with 200, not 201), whoever else retries at once; the
same order id with other content is refused with both digests. A conversion that cannot be
attributed (no click or coupon, an unknown or expired click, another vendor's product) is kept
for the vendor's figures and earns nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.commissions import hold_repository, repository
from bitnexus.commissions.errors import ConversionConflict, ConversionNotFound
from bitnexus.commissions.models import (
    Attribution,
    CommissionState,
    Conversion,
    ConversionKind,
    ConversionState,
    HoldReason,
    Unattributed,
)
from bitnexus.commissions.schemas import (
    ConversionCreate,
    ConversionPage,
    ConversionRead,
    LeadCreate,
)
from bitnexus.commissions.service import attribution, fraud, recurring
from bitnexus.commissions.service.attribution import NOT_YET, Attributed, Lookups, NotYet, Plan
from bitnexus.commissions.service.drafts import (
    Draft,
    NewConversion,
    conversion_read,
    share_rows,
)
from bitnexus.commissions.service.findings import Finding
from bitnexus.commissions.service.recurring import Subscribed
from bitnexus.core.db import any_row, utcnow
from bitnexus.core.errors import BitnexusError, Forbidden, InvalidInput
from bitnexus.core.money import is_currency
from bitnexus.core.outbox import emit
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.ledger import service as ledger
from bitnexus.tenants.models import Tenant
from bitnexus.tracking.service.links import on_site

# a sale whose click is not stored yet is tried again this much later, in a new unit of work
CLICK_POLL_SECONDS = 0.02


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
class Sale:
    reporter: Reporter
    body: ConversionCreate
    lead: bool = False  # a sign-up: no amount, the organisation's lead reward


def sale_of(reporter: Reporter, body: ConversionCreate | LeadCreate) -> Sale:
    """A sale or lead to record; a lead is recorded in the organisation's currency."""
    if isinstance(body, LeadCreate):
        return Sale(reporter, body.as_conversion(reporter.tenant.default_currency), lead=True)
    return Sale(reporter, body)


Recorded = tuple[ConversionRead, bool]  # the conversion, and whether this call recorded it
Outcome = Recorded | BitnexusError | NotYet


def digest(body: ConversionCreate, *, lead: bool = False) -> bytes:
    """What a retry of the order must repeat (the keys added since are left out when unset, so
    the digests of sales recorded before stay the same)."""
    content: dict[str, object] = {
        "amount_minor": body.amount_minor,
        "currency": body.currency,
        "click_id": str(body.click_id) if body.click_id else None,
        "coupon": body.coupon,
        "product_id": str(body.product_id) if body.product_id else None,
        "customer_ref": body.customer_ref,
    }
    if body.subscription_id is not None:
        content["subscription_id"] = body.subscription_id
    if lead:
        content["kind"] = ConversionKind.lead.value
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).digest()


Settled = dict[int, Outcome]  # the outcomes of some of a batch's sales, by index in the batch


def _order(sale: Sale) -> tuple[uuid.UUID, str]:
    return sale.reporter.user.id, sale.body.order_id


async def record(
    session: AsyncSession,
    reporter: Reporter,
    body: ConversionCreate | LeadCreate,
    *,
    now: dt.datetime | None = None,
) -> Recorded | NotYet:
    """Record a sale (or return the one recorded for its order before); True when new.
    `NOT_YET` when its click is not stored yet: nothing was written, and the caller tries again
    in a new unit of work after `CLICK_POLL_SECONDS` (until `attribution.CLICK_SETTLE` after
    the click was made, when an unknown click is no longer waited for)."""
    [outcome] = await record_many(session, [sale_of(reporter, body)], now=now)
    if isinstance(outcome, BitnexusError):
        raise outcome
    return outcome


async def record_many(
    session: AsyncSession, sales: Sequence[Sale], *, now: dt.datetime | None = None
) -> list[Outcome]:
    """Record sales of one tenant, each with the outcome it would have had alone: the new
    conversion (True), the original one for an order reported before with the same content
    (False), the error that refuses it (nothing written for it), or `NOT_YET`."""
    if not sales:
        return []
    now = now or utcnow()
    tenant = sales[0].reporter.tenant
    assert all(s.reporter.tenant.id == tenant.id for s in sales), "one tenant's sales"
    given = [digest(s.body, lead=s.lead) for s in sales]
    refused, live = _check(sales)
    replayed, new = await _replay_orders(session, sales, given, live)
    undecided, drafts = await _decide(session, tenant, sales, given, new, now)
    written = await _write(session, tenant.id, drafts, given, now)
    return _merge(len(sales), refused, replayed, undecided, written)


def _check(sales: Sequence[Sale]) -> tuple[Settled, list[int]]:
    """Refuse the sales their reporter may not report as given; the indices of the rest."""
    refused: Settled = {}
    for i, sale in enumerate(sales):
        if sale.reporter.user.role != Role.vendor:
            refused[i] = Forbidden("Only vendors report sales.")
        elif not is_currency(sale.body.currency):
            refused[i] = InvalidInput("currency", "Not an ISO 4217 currency code.")
    return refused, [i for i in range(len(sales)) if i not in refused]


async def _replay_orders(
    session: AsyncSession, sales: Sequence[Sale], given: list[bytes], live: list[int]
) -> tuple[Settled, list[int]]:
    """Replay the orders reported before; a second sale of one order in the batch is not
    decided now (the next batch replays the first). The indices of the sales still new."""
    stored = [i for i in live if not sales[i].reporter.test]
    earlier = await repository.conversions_by_order(session, {_order(sales[i]) for i in stored})
    settled: Settled = {}
    seen: set[tuple[uuid.UUID, str]] = set()
    replays: list[tuple[int, Conversion]] = []
    for i in stored:
        order = _order(sales[i])
        if order in earlier:
            replays.append((i, earlier[order]))
        elif order in seen:
            settled[i] = NOT_YET
        seen.add(order)
    settled.update(await _replay(session, replays, given))
    return settled, [i for i in live if i not in settled]


async def _replay(
    session: AsyncSession, replays: list[tuple[int, Conversion]], given: list[bytes]
) -> Settled:
    """The original conversion of each order reported before with the same content, or the
    conflict when the content differs."""
    settled: Settled = {}
    same: list[tuple[int, Conversion]] = []
    for i, earlier in replays:
        if earlier.digest != given[i]:
            settled[i] = ConversionConflict(earlier.order_id, earlier.digest, given[i])
        else:
            same.append((i, earlier))
    if same:
        for (i, _), read in zip(same, await reads(session, [c for _, c in same]), strict=True):
            settled[i] = (read, False)
    return settled


async def _decide(
    session: AsyncSession,
    tenant: Tenant,
    sales: Sequence[Sale],
    given: list[bytes],
    new: list[int],
    now: dt.datetime,
) -> tuple[Settled, list[Draft]]:
    """Attribute and plan the new sales and judge them by the fraud rules: the drafts to write,
    and the outcomes of the rest (refused, not decidable yet, or a test key's, never stored)."""
    found = Lookups(session, tenant)
    await found.load_clicks(click for i in new if (click := sales[i].body.click_id) is not None)
    await found.load_subscriptions(
        (sales[i].reporter.user.id, ref) for i in new if (ref := sales[i].body.subscription_id)
    )
    settled: Settled = {}
    decided: list[tuple[int, _Decided, Subscribed | None]] = []
    for i in new:
        outcome = await _decide_one(found, sales[i], now)
        if isinstance(outcome, _Decided):
            sale = sales[i]  # a renewal counted, or a subscription started (not by test keys)
            subscribed = (
                None
                if sale.reporter.test
                else found.subscribe(sale.reporter.user, sale.body, outcome.attributed, now)
            )
            decided.append((i, outcome, subscribed))
        else:
            settled[i] = outcome
    records = await fraud.records(
        session, tenant, [d.evidence for _, d, _ in decided if d.evidence]
    )
    drafts: list[Draft] = []
    for i, d, subscribed in decided:
        held = await fraud.reasons(session, tenant, d.evidence, records) if d.evidence else []
        draft = _draft(i, sales[i], given[i], d.attributed, d.ip_hash, d.plan, held, now)
        draft.subscription = subscribed
        if sales[i].reporter.test:
            settled[i] = (draft.read(test=True), False)
        else:
            records.count_sale(d.ip_hash)
            drafts.append(draft)
    return settled, drafts


def _merge(count: int, *parts: Settled) -> list[Outcome]:
    """The outcomes of a batch of `count` sales, in its order, from the steps that settled them."""
    merged: Settled = {}
    for part in parts:
        merged.update(part)
    return [merged[i] for i in range(count)]


@dataclass(frozen=True, slots=True)
class _Decided:
    """A sale attributed, its buyer's address hashed, its commission planned (if it earns one)
    and the evidence the fraud rules will judge."""

    attributed: Attributed
    ip_hash: bytes | None
    plan: Plan | None
    evidence: fraud.Evidence | None


async def _decide_one(
    found: Lookups, sale: Sale, now: dt.datetime
) -> _Decided | BitnexusError | NotYet:
    tenant = found.tenant
    try:
        attributed = await attribution.attribute(found, sale.reporter.user, sale.body, now)
    except BitnexusError as refused:
        return refused
    if isinstance(attributed, NotYet):
        return attributed
    product, click = attributed.product, attributed.click
    if product is not None and product.currency != sale.body.currency and not sale.lead:
        return InvalidInput("currency", f"This product sells in {product.currency}.")
    if sale.lead and attributed.affiliate_id is not None and not tenant.lead_reward_minor:
        attributed = replace(
            attributed, affiliate_id=None, kind=Attribution.none, reason=Unattributed.no_lead_reward
        )
    ip_hash, ip_day = await fraud.buyer_address(found.session, click, sale.reporter.ip, now)
    if attributed.affiliate_id is None or product is None:
        return _Decided(attributed, ip_hash, None, None)
    affiliate = await found.affiliate(attributed.affiliate_id)
    evidence = fraud.Evidence(
        affiliate=affiliate.user,
        product_id=product.id,
        attribution=attributed.kind,
        click=click,
        ip_hash=ip_hash,
        ip_day=ip_day,
        customer_ref=sale.body.customer_ref,
        window=attribution.cookie_window(product, tenant),
        now=now,
    )
    if sale.lead:
        made = attribution.lead_plan(tenant, affiliate)
    else:
        made = attribution.plan(tenant, product, affiliate, sale.body.amount_minor)
    return _Decided(attributed, ip_hash, made, evidence)


def _draft(
    index: int,
    sale: Sale,
    given: bytes,
    found: Attributed,
    ip_hash: bytes | None,
    made: Plan | None,
    held: list[Finding],
    now: dt.datetime,
) -> Draft:
    reporter, body, product, click = sale.reporter, sale.body, found.product, found.click
    tenant = reporter.tenant
    state = ConversionState.held if held else ConversionState.pending
    conversion = NewConversion(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        vendor_id=reporter.user.id,
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
        matures_at=now + attribution.refund_hold(product, tenant) if made and product else None,
        matured_at=None,
        kind=ConversionKind.lead if sale.lead else ConversionKind.sale,
        subscription_ref=body.subscription_id,
        renewal=found.renewal if found.renewal is not None else 0 if body.subscription_id else None,
        renewal_limit=_limit(tenant) if body.subscription_id else None,
        group_id=made.group_id if made else None,
    )
    share_state = CommissionState.held if held else CommissionState.pending
    shares = (
        share_rows(conversion, made, found.affiliate_id, product.id, share_state, now)
        if made and found.affiliate_id and product
        else []
    )
    if shares:  # its commission transaction, posted after the conversion is inserted
        conversion.ledger_transaction_id = uuid.uuid4()
    title = product.title if product else None
    return Draft(index, _order(sale), conversion, shares, made if shares else None, held, title)


def _limit(tenant: Tenant) -> int | None:
    return recurring.RecurringRule(tenant.recurring, tenant.recurring_limit).renewals


async def _write(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    drafts: list[Draft],
    given: list[bytes],
    now: dt.datetime,
) -> Settled:
    """Insert the conversions (one statement), their shares (one), open the accounts they need
    (one read when all exist) and post their ledger transactions (one append; each conversion
    was inserted with its transaction's id). A draft whose order another unit of work recorded
    meanwhile writes nothing and replays that one."""
    inserted = await repository.insert_conversions(session, [d.conversion.row() for d in drafts])
    lost = [d for d in drafts if d.conversion.id not in inserted]
    settled: Settled = {}
    if lost:  # the insert that won has committed: its row is visible now
        earlier = await repository.conversions_by_order(session, {d.order for d in lost})
        settled = await _replay(session, [(d.index, earlier[d.order]) for d in lost], given)
    kept = [d for d in drafts if d.conversion.id in inserted]
    await repository.insert_shares(session, [share.row() for d in kept for share in d.shares])
    await recurring.count(session, tenant_id, kept)
    paid = [d for d in kept if d.plan is not None]
    if paid:
        postings = [d.posting() for d in paid]
        opened = {spec.code: spec for specs, _ in postings for spec in specs}
        await ledger.open_accounts(session, tenant_id, list(opened.values()))
        posted = await ledger.post_transactions(session, tenant_id, [t for _, t in postings])
        for d, outcome in zip(paid, posted, strict=True):
            if isinstance(outcome, BitnexusError):
                raise outcome  # the unit of work fails: nothing of the batch is kept
            # inserted with the conversion; checked at commit (the foreign key is deferred)
            assert outcome.id == d.conversion.ledger_transaction_id
    for d in kept:
        if d.held:
            held = d.conversion
            assert held.affiliate_id is not None  # only attributed sales are held
            await fraud.open_hold(session, held.tenant_id, held.id, held.affiliate_id, d.held, now)
    await emit(session, *(event for d in kept for event in d.announced()))
    await session.flush()
    settled.update({d.index: (d.read(), True) for d in kept})
    return settled


async def reads(session: AsyncSession, conversions: list[Conversion]) -> list[ConversionRead]:
    ids = [c.id for c in conversions]
    shares = await repository.shares_of(session, ids)
    holds = await hold_repository.holds_of(session, ids)
    titles = await repository.titles(session, {c.product_id for c in conversions if c.product_id})
    return [
        conversion_read(
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


async def converted_products(
    session: AsyncSession, affiliate_id: uuid.UUID
) -> dict[uuid.UUID, int]:
    """Sales an affiliate brought, per product (refunded and rejected ones left out)."""
    return await repository.conversions_by_product(session, affiliate_id)


async def has_sales(session: AsyncSession) -> bool:
    """Whether any sale was ever reported to the organisation (a test sale counts)."""
    return await any_row(session, Conversion)
