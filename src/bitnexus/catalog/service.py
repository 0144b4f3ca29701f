"""Catalog rules: vendors list products, tenant admins vet and grade them, everyone browses.

A new or edited product waits in the vetting queue; only approved products are in the
marketplace. Who sees what: an approved product, every member of the tenant; any other, its
vendor and the tenant's admins (to everyone else it does not exist: 404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.catalog import keywords, repository
from bitnexus.catalog.commission import OwnTerms, commission_for
from bitnexus.catalog.errors import (
    ImageNotFound,
    ProductArchived,
    ProductNotFound,
    ProductNotReviewable,
    TooManyImages,
)
from bitnexus.catalog.keywords import KeywordScore as KeywordScore  # search fuses it
from bitnexus.catalog.models import (
    Decision,
    Grade,
    Product,
    ProductImage,
    ProductReview,
    ProductStatus,
)
from bitnexus.catalog.repository import EarningsPerClick
from bitnexus.catalog.repository import Market as Market  # search ranks within it
from bitnexus.catalog.repository import MarketFilter as MarketFilter  # other domains filter too
from bitnexus.catalog.schemas import (
    CategoryCount,
    ImageRead,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProductUpdate,
    Review,
    ReviewRead,
)
from bitnexus.catalog.shown import ProductFacts, approved_rows
from bitnexus.catalog.shown import Shown as Shown  # search reads its pages' products
from bitnexus.catalog.shown import ShownRows as ShownRows
from bitnexus.core.db import any_row, utcnow
from bitnexus.core.errors import Forbidden
from bitnexus.core.images import checked_image
from bitnexus.core.outbox import NewEvent, admins_topic, emit, tenant_topic, user_topic
from bitnexus.core.schemas import decode_keys, encode_keys
from bitnexus.tenants.models import Tenant

MAX_IMAGES = 8
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096


def _vendor_only(principal: Principal) -> None:
    if principal.role is not Role.vendor:
        raise Forbidden("Only vendors list products.")


def _may_manage(principal: Principal, product: ProductFacts) -> bool:
    return principal.role is Role.tenant_admin or product.vendor_id == principal.user.id


async def _visible(session: AsyncSession, principal: Principal, product_id: uuid.UUID) -> Product:
    product = await repository.get(session, product_id)
    if product is None or (
        product.status != ProductStatus.approved and not _may_manage(principal, product)
    ):
        raise ProductNotFound()
    return product


async def _own(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, *, lock: bool = True
) -> Product:
    """A product its vendor is changing (others get 404, as if it did not exist)."""
    product = await repository.get(session, product_id, lock=lock)
    if product is None or product.vendor_id != principal.user.id:
        raise ProductNotFound()
    if product.status == ProductStatus.archived:
        raise ProductArchived("The product is archived; list a new one instead.")
    return product


def _apply(product: Product, body: ProductCreate | ProductUpdate) -> None:
    product.title = body.title
    product.description = body.description
    product.category = body.category
    product.tags = body.tags
    product.price_minor = body.price_minor
    product.currency = body.currency
    product.landing_url = str(body.landing_url)
    product.commission_bps = body.commission.bps
    product.commission_fixed_minor = body.commission.fixed_minor
    product.cookie_days = body.cookie_days
    product.refund_hold_days = body.refund_hold_days


def _resubmit(product: Product) -> None:
    now = utcnow()
    product.status = ProductStatus.pending
    product.updated_at = now
    product.submitted_at = now


async def create(session: AsyncSession, principal: Principal, body: ProductCreate) -> ProductRead:
    _vendor_only(principal)
    product = Product(
        id=uuid.uuid4(),
        tenant_id=principal.tenant.id,
        vendor_id=principal.user.id,
        grade=None,
        review_notes="",
        rejection_reason="",
        reviewed_at=None,
    )
    _apply(product, body)
    _resubmit(product)
    product.created_at = product.updated_at
    await repository.add(session, product)
    await emit(session, _product_event(product, "product.submitted"))
    return (await _read(session, principal, [product]))[0]


async def update(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, body: ProductUpdate
) -> ProductRead:
    product = await _own(session, principal, product_id)
    _apply(product, body)
    _resubmit(product)
    await session.flush()
    await emit(session, _product_event(product, "product.submitted"))
    return (await _read(session, principal, [product]))[0]


async def archive(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID
) -> ProductRead:
    """Withdraw a product (its vendor, or an admin); archiving twice is harmless."""
    product = await repository.get(session, product_id, lock=True)
    if product is None or not _may_manage(principal, product):
        raise ProductNotFound()
    if product.status != ProductStatus.archived:
        product.status = ProductStatus.archived
        product.updated_at = utcnow()
        await session.flush()
    return (await _read(session, principal, [product]))[0]


async def find_product(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    """The product with this id in the current tenant, whatever its status, or None."""
    return await repository.get(session, product_id)


async def titles(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The titles of these products of the tenant, whatever their status (others: absent)."""
    return await repository.titles(session, ids) if ids else {}


async def get(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, own: OwnTerms | None = None
) -> ProductRead:
    found = await _visible(session, principal, product_id)
    return (await _read(session, principal, [found], own))[0]


async def marketplace(
    session: AsyncSession,
    principal: Principal,
    *,
    filters: MarketFilter,
    sort: str,
    epc_of: EarningsPerClick,
    cursor: str | None,
    limit: int,
) -> ProductPage:
    """Approved products, filtered and sorted, each with its earnings per click (`epc_of`)."""
    after = decode_keys(
        cursor, expect=(dt.datetime, uuid.UUID) if sort == "newest" else (int, uuid.UUID)
    )
    rows = await repository.marketplace(
        session,
        filters=filters,
        sort=sort,
        default_bps=principal.tenant.default_commission_bps,
        epc_of=epc_of,
        after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last, earns, epc = page[-1]
        key = {"commission": earns, "epc": epc}.get(sort, last.reviewed_at)
        next_cursor = encode_keys(key, last.id)  # type: ignore[arg-type]
    items = await _read(session, principal, [p for p, _, _ in page], filters.own)
    return ProductPage(
        items=[
            item.model_copy(update={"epc_minor": epc // 1000 if epc >= 0 else None})
            for item, (_, _, epc) in zip(items, page, strict=True)
        ],
        next_cursor=next_cursor,
    )


def market(filters: MarketFilter, tenant: Tenant) -> Market:
    """The marketplace's products through `filters`, as SQL another domain ranks (`ids`)."""
    return Market.of(filters, tenant.default_commission_bps)


async def keyword_ranked(
    session: AsyncSession, among: Market, words: str, limit: int
) -> list[tuple[uuid.UUID, KeywordScore]]:
    """Keyword search of the marketplace (`among`, made by `market`): products with any of
    `words`, then those of the title words that nearly spell them, best first, with their
    score (equal: equally good matches)."""
    return await keywords.keyword_ranked(session, among, words, limit)


def shown_rows() -> ShownRows:
    """The marketplace's products as rows of what their reads show (`read_of`), for a
    statement that ends in the products it ranked: one round trip for ranking and reading."""
    return approved_rows()


def search_texts(ids: Sequence[uuid.UUID] | None = None) -> Select[uuid.UUID, str]:
    """Ids and search texts (title, category, tags, description) of products not archived."""
    return repository.search_texts(ids)


async def reads(
    session: AsyncSession,
    principal: Principal,
    ids: Sequence[uuid.UUID],
    own: OwnTerms | None = None,
) -> list[ProductRead]:
    """Marketplace products by id, in the order given (ids not in the marketplace: left out):
    one round trip."""
    found = {s.product.id: s for s in await repository.approved_shown(session, ids)} if ids else {}
    return [read_of(principal, found[i], own) for i in ids if i in found]


async def categories(session: AsyncSession) -> list[CategoryCount]:
    return [CategoryCount(category=c, products=n) for c, n in await repository.categories(session)]


async def listed(
    session: AsyncSession,
    principal: Principal,
    *,
    status: ProductStatus | None,
    cursor: str | None,
    limit: int,
) -> ProductPage:
    """A vendor's own products; for a tenant admin, every vendor's."""
    if principal.role not in (Role.vendor, Role.tenant_admin):
        raise Forbidden("Only vendors and admins see unlisted products.")
    rows = await repository.of_vendor(
        session,
        principal.restricted_to,
        status=status,
        after=decode_keys(cursor, expect=(dt.datetime, uuid.UUID)),
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_keys(page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return ProductPage(items=await _read(session, principal, page), next_cursor=next_cursor)


async def queue(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> ProductPage:
    rows = await repository.queue(
        session, after=decode_keys(cursor, expect=(dt.datetime, uuid.UUID)), limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = encode_keys(page[-1].submitted_at, page[-1].id) if len(rows) > limit else None
    return ProductPage(items=await _read(session, principal, page), next_cursor=next_cursor)


async def review(
    session: AsyncSession, admin: Principal, product_id: uuid.UUID, body: Review
) -> ProductRead:
    """Approve (with a grade) or reject (with a reason) a product waiting in the queue."""
    product = await repository.get(session, product_id, lock=True)
    if product is None:
        raise ProductNotFound()
    if product.status != ProductStatus.pending:
        raise ProductNotReviewable(
            f"The product is {product.status}; only products waiting for review can be decided."
        )
    now = utcnow()
    product.status = ProductStatus(body.decision.value)
    product.grade = body.grade.value if body.grade else product.grade
    product.review_notes = body.notes
    product.rejection_reason = body.reason if body.decision is Decision.rejected else ""
    product.reviewed_at = now
    await repository.add(
        session,
        ProductReview(
            id=uuid.uuid4(),
            tenant_id=admin.tenant.id,
            product_id=product.id,
            reviewer_id=admin.user.id,
            decision=body.decision.value,
            grade=body.grade.value if body.grade else None,
            notes=body.notes,
            reason=body.reason,
            created_at=now,
        ),
    )
    await emit(session, _product_event(product, f"product.{product.status}"))
    return (await _read(session, admin, [product]))[0]


def _product_event(product: Product, kind: str) -> NewEvent:
    """A product's event: its vendor hears every one, the admins a submission (the vetting
    queue grew), the whole organisation an approval (a new product to promote)."""
    topics = [user_topic(product.vendor_id)]
    if kind == "product.submitted":
        topics.append(admins_topic(product.tenant_id))
    elif kind == "product.approved":
        topics.append(tenant_topic(product.tenant_id))
    data = {
        "product_id": product.id,
        "vendor_id": product.vendor_id,
        "title": product.title,
        "status": product.status,
        "reason": product.rejection_reason or None,
    }
    return NewEvent(product.tenant_id, kind, data, topics)


async def reviews(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID
) -> list[ReviewRead]:
    product = await repository.get(session, product_id)
    if product is None or not _may_manage(principal, product):
        raise ProductNotFound()
    return [
        ReviewRead(
            id=r.id,
            reviewer_id=r.reviewer_id,
            reviewer_name=name,
            decision=Decision(r.decision),
            grade=Grade(r.grade) if r.grade else None,
            notes=r.notes,
            reason=r.reason,
            created_at=r.created_at,
        )
        for r, name in await repository.reviews(session, product_id)
    ]


async def add_image(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, data: bytes
) -> ProductRead:
    """Add an image (PNG, JPEG or WebP, at most 2 MB and 4096 px a side); back to vetting."""
    product = await _own(session, principal, product_id)
    image = checked_image(data, max_bytes=MAX_IMAGE_BYTES, max_pixels=MAX_IMAGE_PIXELS)
    count, last = await repository.image_count_and_last(session, product.id)
    if count >= MAX_IMAGES:
        raise TooManyImages(f"A product has at most {MAX_IMAGES} images; remove one first.")
    await repository.add(
        session,
        ProductImage(
            id=uuid.uuid4(),
            tenant_id=product.tenant_id,
            product_id=product.id,
            position=last + 1,
            content_type=image.content_type,
            data=data,
            sha256=image.sha256,
            width=image.width,
            height=image.height,
            created_at=utcnow(),
        ),
    )
    _resubmit(product)
    await session.flush()
    return (await _read(session, principal, [product]))[0]


async def remove_image(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, image_id: uuid.UUID
) -> ProductRead:
    product = await _own(session, principal, product_id)
    image = await repository.image(session, image_id)
    if image is None or image.product_id != product.id:
        raise ImageNotFound()
    await repository.delete(session, image)
    _resubmit(product)
    await session.flush()
    return (await _read(session, principal, [product]))[0]


async def image(session: AsyncSession, image_id: uuid.UUID) -> ProductImage:
    found = await repository.image(session, image_id)
    if found is None:
        raise ImageNotFound()
    return found


def image_url(tenant: Tenant, image_id: uuid.UUID, sha256: str) -> str:
    return f"/api/v1/public/tenants/{tenant.slug}/product-images/{image_id}?v={sha256[:12]}"


async def _read(
    session: AsyncSession,
    principal: Principal,
    products: list[Product],
    own: OwnTerms | None = None,
) -> list[ProductRead]:
    """Products as `principal` reads them (with their own rate, where `own` gives one)."""
    if not products:
        return []
    return [read_of(principal, shown, own) for shown in await repository.shown(session, products)]


def read_of(principal: Principal, shown: Shown, own: OwnTerms | None = None) -> ProductRead:
    """A product as `principal` reads it, by their `own` terms where those cover it."""
    p, tenant = shown.product, principal.tenant
    return ProductRead(
        id=p.id,
        vendor_id=p.vendor_id,
        vendor_name=shown.vendor_name,
        title=p.title,
        description=p.description,
        category=p.category,
        tags=list(p.tags),
        price_minor=p.price_minor,
        currency=p.currency,
        landing_url=p.landing_url,
        commission=commission_for(p, tenant, own),
        cookie_days=p.cookie_days or tenant.default_cookie_days,
        refund_hold_days=(
            tenant.default_refund_hold_days if p.refund_hold_days is None else p.refund_hold_days
        ),
        status=ProductStatus(p.status),
        grade=Grade(p.grade) if p.grade else None,
        review_notes=p.review_notes if _may_manage(principal, p) else None,
        rejection_reason=p.rejection_reason,
        images=[
            ImageRead(
                id=i.id, url=image_url(tenant, i.id, i.sha256), width=i.width, height=i.height
            )
            for i in shown.images
        ],
        created_at=p.created_at,
        updated_at=p.updated_at,
        submitted_at=p.submitted_at,
        reviewed_at=p.reviewed_at,
    )


async def product(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    """A product of the transaction's tenant, whatever its status."""
    return await repository.get(session, product_id)


async def has_products(session: AsyncSession) -> bool:
    """Whether the organisation has listed any product, in any state."""
    return await any_row(session, Product)
