"""The demo organisation "Acme Academy" and a platform admin, with known logins (idempotent)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository as accounts_repository
from bitnexus.accounts.models import Role, User
from bitnexus.accounts.service.registration import create_user
from bitnexus.analytics import service as analytics
from bitnexus.catalog import repository as catalog_repository
from bitnexus.catalog.models import Product, ProductImage, ProductReview
from bitnexus.catalog.repository import MarketFilter
from bitnexus.commissions import demo as commissions_demo
from bitnexus.commissions import repository as commissions_repository
from bitnexus.commissions.models import Coupon
from bitnexus.commissions.schemas import ConversionCreate, RefundCreate
from bitnexus.commissions.service import conversions, refunds
from bitnexus.commissions.service.attribution import NotYet
from bitnexus.commissions.service.conversions import Reporter
from bitnexus.commissions.service.maturation import mature_due
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.groups import demo as groups_demo
from bitnexus.ledger import signing, tree
from bitnexus.payouts.schemas import BatchCreate, ItemSettle, PayoutMethodUpdate, PaypalDetails
from bitnexus.payouts.service import batches as payout_batches
from bitnexus.payouts.service import methods as payout_methods
from bitnexus.recruiting import demo as recruiting_demo
from bitnexus.tenants import repository as tenants_repository
from bitnexus.tenants import service as tenants
from bitnexus.tenants.models import Tenant
from bitnexus.tracking import repository as tracking_repository
from bitnexus.tracking.models import Link
from bitnexus.tracking.recorder import ClickRecorder
from bitnexus.tracking.rules import bot_reason
from bitnexus.tracking.service.links import new_code
from bitnexus.tracking.visitors import Visit

DEMO_SLUG = "acme"
SECOND_SLUG = "globex"  # a second organisation: its own catalogue, people and search index
PLATFORM_SLUG = "platform"
ORGANISATIONS = (
    (PLATFORM_SLUG, "BitNexus Platform"),
    (DEMO_SLUG, "Acme Academy"),
    (SECOND_SLUG, "Globex Guild"),
)


@dataclass(frozen=True)
class DemoLogin:
    organisation: str
    email: str
    password: str
    role: Role
    name: str
    referred_by: str | None = None


DEMO_LOGINS = [
    DemoLogin(
        PLATFORM_SLUG,
        "root@bitnexus.example",
        "orbit-lantern-quarry-51",
        Role.platform_admin,
        "Platform Operator",
    ),
    DemoLogin(
        DEMO_SLUG, "admin@acme.example", "maple-harbor-violet-27", Role.tenant_admin, "Ada Admin"
    ),
    DemoLogin(
        DEMO_SLUG, "vendor1@acme.example", "copper-meadow-falcon-38", Role.vendor, "Vera Vendor"
    ),
    DemoLogin(
        DEMO_SLUG, "vendor2@acme.example", "copper-meadow-falcon-38", Role.vendor, "Victor Vendor"
    ),
    DemoLogin(
        DEMO_SLUG,
        "affiliate1@acme.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Alice Affiliate",
    ),
    DemoLogin(
        DEMO_SLUG,
        "affiliate2@acme.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Bob Affiliate",
        referred_by="affiliate1@acme.example",
    ),
    DemoLogin(
        DEMO_SLUG,
        "affiliate3@acme.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Carol Affiliate",
    ),
    DemoLogin(
        DEMO_SLUG,
        "affiliate4@acme.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Dan Affiliate",
    ),
    DemoLogin(
        DEMO_SLUG,
        "affiliate5@acme.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Eve Affiliate",
    ),
    DemoLogin(
        SECOND_SLUG,
        "admin@globex.example",
        "maple-harbor-violet-27",
        Role.tenant_admin,
        "Gil Admin",
    ),
    DemoLogin(
        SECOND_SLUG, "vendor1@globex.example", "copper-meadow-falcon-38", Role.vendor, "Gina Vendor"
    ),
    DemoLogin(
        SECOND_SLUG,
        "affiliate1@globex.example",
        "silver-canyon-otter-64",
        Role.affiliate,
        "Gus Affiliate",
    ),
]


async def ensure_tenant(
    session: AsyncSession, slug: str, name: str, *, is_platform: bool = False
) -> Tenant:
    found = await tenants_repository.lookup_slug(session, slug)
    if found is not None:
        await set_tenant(session, found.id)
        return await tenants.current(session, found.id)
    return await tenants.create(session, name=name, slug=slug, is_platform=is_platform)


async def ensure_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    referred_by: User | None = None,
) -> User:
    existing = await accounts_repository.get_user_by_email(session, email)
    if existing is not None:
        return existing
    return await create_user(
        session,
        tenant,
        email=email,
        name=name,
        password=password,
        role=role,
        referred_by=referred_by,
    )


async def seed(db: Database, settings: Settings | None = None) -> list[DemoLogin]:
    """Create whatever of the demo is missing; running it twice changes nothing."""
    for slug, name in ORGANISATIONS:
        async with db.sessionmaker() as session, session.begin():
            tenant = await ensure_tenant(session, slug, name, is_platform=slug == PLATFORM_SLUG)
            made: dict[str, User] = {}
            for login in (x for x in DEMO_LOGINS if x.organisation == slug):
                made[login.email] = await ensure_user(
                    session,
                    tenant,
                    email=login.email,
                    name=login.name,
                    password=login.password,
                    role=login.role,
                    referred_by=made.get(login.referred_by) if login.referred_by else None,
                )
    for slug in (DEMO_SLUG, SECOND_SLUG):
        await seed_catalog(db, slug)
    await seed_links(db)
    await recruiting_demo.seed_demo(db, DEMO_SLUG)
    if settings is not None:  # groups after the sales: those were made before any move
        await seed_sales(db, settings)
        await groups_demo.seed_demo(db, DEMO_SLUG, "admin@acme.example")
    return DEMO_LOGINS


DEMO_COLOURS = [(79, 70, 229), (16, 185, 129), (245, 158, 11), (239, 68, 68), (14, 165, 233)]


def _cover(colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 440, 320), outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# where the demo's visitors come from (their 198.51.100.x addresses are documentation ones)
DEMO_COUNTRIES = ("GB", "US", "DE", "US", None)
DEMO_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/150.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 19_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 15_1) AppleWebKit/605.1.15 Version/19.0 Safari/605",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]


async def seed_links(db: Database) -> None:
    """affiliate1's links to two approved products, with clicks recorded the way the redirect
    records them (some from the same visitor, one from a crawler)."""
    async with db.sessionmaker() as session, session.begin():
        found = await tenants_repository.lookup_slug(session, DEMO_SLUG)
        assert found is not None
        await set_tenant(session, found.id)
        affiliate = await accounts_repository.get_user_by_email(session, "affiliate1@acme.example")
        assert affiliate is not None
        if await tracking_repository.has_links(session, affiliate.id):
            return
        offers = await catalog_repository.marketplace(
            session,
            filters=MarketFilter(),
            sort="commission",
            default_bps=(await tenants.current(session, found.id)).default_commission_bps,
            epc_of=analytics.product_epc,
            after=None,
            limit=2,
        )
        now = utcnow()
        links = []
        for (product, _, _), alias in zip(offers, ("python-ds", None), strict=False):
            link = Link(
                id=uuid.uuid4(),
                tenant_id=found.id,
                affiliate_id=affiliate.id,
                product_id=product.id,
                code=new_code(),
                alias=alias,
                destination=product.landing_url,
                utm_source="newsletter",
                utm_campaign="demo",
                sub_ids=[],
                status="active",
                created_at=now,
                updated_at=now,
            )
            session.add(link)
            links.append(link)
    visits = [
        Visit(
            id=uuid.uuid4(),
            tenant_id=found.id,
            link_id=links[i % len(links)].id,
            at=utcnow() - dt.timedelta(hours=3, minutes=i),  # well before the sales
            ip=f"198.51.100.{i % 5}",
            visitor_id=f"demovisitor{i % 5:08d}",
            user_agent=DEMO_AGENTS[i % len(DEMO_AGENTS)],
            referrer="https://newsletter.example/issue-12",
            country=DEMO_COUNTRIES[i % len(DEMO_COUNTRIES)],
            bot_reason=bot_reason("GET", {"user-agent": DEMO_AGENTS[i % len(DEMO_AGENTS)]}),
        )
        for i in range(14)
    ]
    with tempfile.TemporaryDirectory(prefix="bitnexus-demo-clicks-") as spool:
        recorder = ClickRecorder(db, Path(spool))
        try:
            await asyncio.gather(*(recorder.record(v) for v in visits))
        finally:
            await recorder.close()


def catalogue(slug: str) -> list[DemoProduct]:
    """The organisation's demo products, oldest first (demo_catalog.json)."""
    rows = json.loads((Path(__file__).parent / "demo_catalog.json").read_text())[slug]
    return [DemoProduct(*[*row, len(rows) - i]) for i, row in enumerate(rows)]


@dataclass(frozen=True)
class DemoProduct:
    who: str
    title: str
    category: str
    price: int
    bps: int | None
    fixed: int | None
    status: str
    grade: str | None
    tags: list[str]
    description: str
    days_ago: int


async def seed_catalog(db: Database, slug: str = DEMO_SLUG) -> None:
    """A marketplace in several grades and categories; in acme, one product waiting for
    review and one rejected."""
    async with db.sessionmaker() as session, session.begin():
        found = await tenants_repository.lookup_slug(session, slug)
        assert found is not None
        await set_tenant(session, found.id)
        if await catalog_repository.of_vendor(session, None, status=None, after=None, limit=1):
            return
        admin = await accounts_repository.get_user_by_email(session, f"admin@{slug}.example")
        assert admin is not None
        now = utcnow()
        for i, item in enumerate(catalogue(slug)):
            who, status = item.who, item.status
            vendor = await accounts_repository.get_user_by_email(session, f"{who}@{slug}.example")
            assert vendor is not None
            at = now - dt.timedelta(days=item.days_ago)
            product = Product(
                id=uuid.uuid4(),
                tenant_id=found.id,
                vendor_id=vendor.id,
                title=item.title,
                description=item.description,
                category=item.category,
                tags=item.tags,
                price_minor=item.price,
                currency="USD",
                landing_url=f"https://{who}.{slug}.example/{uuid.uuid4().hex[:8]}",
                commission_bps=item.bps,
                commission_fixed_minor=item.fixed,
                status=status,
                grade=item.grade,
                review_notes="Clear offer, working checkout." if status == "approved" else "",
                rejection_reason="Income claims are not allowed." if status == "rejected" else "",
                created_at=at,
                updated_at=at,
                submitted_at=at,
                reviewed_at=at + dt.timedelta(hours=2) if status != "pending" else None,
            )
            session.add(product)
            await session.flush()
            colour = DEMO_COLOURS[i % len(DEMO_COLOURS)]
            data = _cover(colour)
            session.add(
                ProductImage(
                    id=uuid.uuid4(),
                    tenant_id=found.id,
                    product_id=product.id,
                    position=0,
                    content_type="image/png",
                    data=data,
                    sha256=hashlib.sha256(data).hexdigest(),
                    width=480,
                    height=360,
                    created_at=at,
                )
            )
            if status != "pending":
                session.add(
                    ProductReview(
                        id=uuid.uuid4(),
                        tenant_id=found.id,
                        product_id=product.id,
                        reviewer_id=admin.id,
                        decision=status,
                        grade=item.grade,
                        notes=product.review_notes,
                        reason=product.rejection_reason,
                        created_at=at + dt.timedelta(hours=2),
                    )
                )


@dataclass(frozen=True)
class DemoSale:
    order_id: str
    via: str  # "click" (affiliate1's links), "coupon" (affiliate2's code) or "none"
    days_ago: int
    refund_percent: int = 0
    customer: str | None = None


DEMO_COUPON = "BOB10"
DEMO_SALES = [
    DemoSale("A-1001", "click", 0),  # pending
    DemoSale("A-1002", "click", 0, refund_percent=30),  # pending, partly refunded
    DemoSale("A-1003", "click", 0, refund_percent=100),  # refunded inside the hold: reversed
    DemoSale("A-1004", "coupon", 40),  # matured: available (and an override for affiliate1)
    DemoSale("A-1005", "coupon", 50, refund_percent=100),  # refunded after the hold: clawed back
    DemoSale("A-1006", "none", 3),  # no click or coupon: kept, earns nothing
    DemoSale("A-1007", "click", 0, customer="affiliate1@acme.example"),  # held: self-referral
    DemoSale("A-1008", "coupon", 60),  # matured long ago: paid out (see seed_payouts)
]


async def seed_sales(db: Database, settings: Settings) -> None:
    """Sales in every state, reported and refunded the way vendors do it, then the commissions
    past their hold matured and the ledger sealed (so earnings proofs verify from the start)."""
    async with db.sessionmaker() as session, session.begin():
        found = await tenants_repository.lookup_slug(session, DEMO_SLUG)
        assert found is not None
        await set_tenant(session, found.id)
        if await commissions_repository.any_conversion(session):
            return
        tenant = await tenants.current(session, found.id)
        tenant.platform_fee_bps, tenant.override_bps = 1_000, [1_000, 500]
        tenant.fraud_hold_coupon_without_click = False  # affiliate2's coupon is for a podcast
        affiliate1 = await accounts_repository.get_user_by_email(session, "affiliate1@acme.example")
        affiliate2 = await accounts_repository.get_user_by_email(session, "affiliate2@acme.example")
        assert affiliate1 is not None
        assert affiliate2 is not None
        clicks = await tracking_repository.human_clicks_of(session, affiliate1.id)
        product = await catalog_repository.get(session, clicks[0].product_id)
        assert product is not None
        vendor = await accounts_repository.get_user(session, product.vendor_id)
        assert vendor is not None
        session.add(
            Coupon(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                code=DEMO_COUPON,
                affiliate_id=affiliate2.id,
                product_id=product.id,
                created_at=utcnow(),
            )
        )
        await session.flush()
        reporter = Reporter(tenant, vendor, "api")
        now = utcnow()
        recorded = []
        for n, sale in enumerate(DEMO_SALES):
            own = [c for c in clicks if c.product_id == product.id]
            outcome = await conversions.record(
                session,
                reporter,
                ConversionCreate(
                    order_id=sale.order_id,
                    amount_minor=product.price_minor,
                    currency=product.currency,
                    click_id=own[n % len(own)].id if sale.via == "click" else None,
                    coupon=DEMO_COUPON if sale.via == "coupon" else None,
                    product_id=product.id if sale.via == "none" else None,
                    customer_ref=sale.customer,
                ),
                now=now - dt.timedelta(days=sale.days_ago),
            )
            assert not isinstance(outcome, NotYet)  # the demo's clicks are stored already
            recorded.append((sale, outcome[0]))
        await commissions_demo.seed_demo(session, reporter, product, DEMO_COUPON, now)
        await mature_due(session, tenant.id, now=now)
        for sale, read in recorded:
            if sale.refund_percent:
                await refunds.refund(
                    session,
                    reporter,
                    read.id,
                    RefundCreate(
                        refund_id=f"RF-{sale.order_id}",
                        amount_minor=read.amount_minor * sale.refund_percent // 100,
                        reason="Customer changed their mind",
                    ),
                    now=now,
                )
        await seed_payouts(session, tenant, affiliate2)
        await tree.integrate(session, tenant.id)
        identity = await signing.identity_for(session, settings, tenant.id, DEMO_SLUG)
        await tree.seal(session, tenant.id, identity)


async def seed_payouts(session: AsyncSession, tenant: Tenant, paid: User) -> None:
    """Both affiliates use PayPal; a batch pays them: `paid`'s payout is paid, the other's not."""
    tenant.payout_threshold_minor = 1_000
    admin = await accounts_repository.get_user_by_email(session, "admin@acme.example")
    assert admin is not None
    for email in ("affiliate1@acme.example", "affiliate2@acme.example"):
        user = await accounts_repository.get_user_by_email(session, email)
        assert user is not None
        details = PaypalDetails(method="paypal", email=f"paypal-{email}")
        await payout_methods.put(session, user, PayoutMethodUpdate(details=details))
    batch = await payout_batches.create(session, admin, tenant, BatchCreate())
    for item in batch.items:
        if item.affiliate_id == paid.id:
            await payout_batches.settle(session, admin, item.id, ItemSettle(status="paid"))


async def create_platform_admin(db: Database, *, email: str, name: str, password: str) -> User:
    """Create a platform admin (and the platform organisation on first use)."""
    async with db.sessionmaker() as session, session.begin():
        tenant = await ensure_tenant(session, PLATFORM_SLUG, "BitNexus Platform", is_platform=True)
        return await create_user(
            session, tenant, email=email, name=name, password=password, role=Role.platform_admin
        )
