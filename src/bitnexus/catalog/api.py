"""Catalog routes: products (vendors), the vetting queue (admins), the marketplace (everyone)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, UploadFile

from bitnexus.analytics import service as analytics
from bitnexus.auth import CurrentPrincipal, ReadPrincipal, ReadSessionDep, TenantAdmin
from bitnexus.catalog import service
from bitnexus.catalog.errors import (
    ImageNotFound,
    ProductArchived,
    ProductNotFound,
    ProductNotReviewable,
    TooManyImages,
)
from bitnexus.catalog.models import ProductStatus
from bitnexus.catalog.params import MarketQuery
from bitnexus.catalog.schemas import (
    CategoryCount,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProductUpdate,
    Review,
    ReviewRead,
)
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for
from bitnexus.core.images import InvalidImage
from bitnexus.groups import service as groups
from bitnexus.tenants import service as tenants
from bitnexus.tenants.errors import TenantNotFound

router = APIRouter(prefix="/products", tags=["catalog"])
market_router = APIRouter(prefix="/marketplace", tags=["catalog"])
vetting_router = APIRouter(prefix="/vetting", tags=["catalog"])
public_router = APIRouter(prefix="/public/tenants", tags=["public"])

PageLimit = Annotated[int, Query(ge=1, le=100)]


@router.post("", status_code=201, responses=errors_for(Forbidden, InvalidInput))
async def create_product(
    body: ProductCreate, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """List a product (vendors). It waits in the vetting queue until an admin approves it."""
    return await service.create(session, principal, body)


@router.get("", responses=errors_for(Forbidden, BadRequest))
async def list_products(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: ProductStatus | None = None,
    cursor: str | None = None,
    limit: PageLimit = 50,
) -> ProductPage:
    """Your products with their vetting status (tenant admins: every vendor's), newest first."""
    return await service.listed(session, principal, status=status, cursor=cursor, limit=limit)


@router.get("/{product_id:uuid}", responses=errors_for(ProductNotFound))
async def get_product(
    product_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """A product: approved ones to everyone, others to their vendor and admins (to an affiliate
    in a group, with the rate their sales of it earn)."""
    own = await groups.own_terms(session, principal)
    return await service.get(session, principal, product_id, own)


@router.put(
    "/{product_id:uuid}", responses=errors_for(ProductNotFound, ProductArchived, InvalidInput)
)
async def update_product(
    product_id: uuid.UUID, body: ProductUpdate, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """Change your product; it goes back to the vetting queue (and out of the marketplace)."""
    return await service.update(session, principal, product_id, body)


@router.delete("/{product_id:uuid}", responses=errors_for(ProductNotFound))
async def archive_product(
    product_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """Withdraw a product for good (its vendor or an admin)."""
    return await service.archive(session, principal, product_id)


@router.post(
    "/{product_id}/images",
    status_code=201,
    responses=errors_for(ProductNotFound, ProductArchived, InvalidImage, TooManyImages),
)
async def add_image(
    product_id: uuid.UUID, file: UploadFile, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """Add an image (PNG, JPEG or WebP, at most 2 MB, 4096 px a side, 8 per product)."""
    data = await file.read(service.MAX_IMAGE_BYTES + 1)
    return await service.add_image(session, principal, product_id, data)


@router.delete(
    "/{product_id}/images/{image_id}",
    responses=errors_for(ProductNotFound, ProductArchived, ImageNotFound),
)
async def remove_image(
    product_id: uuid.UUID, image_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ProductRead:
    """Remove an image; the product goes back to the vetting queue."""
    return await service.remove_image(session, principal, product_id, image_id)


@router.get("/{product_id}/reviews", responses=errors_for(ProductNotFound))
async def product_reviews(
    product_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[ReviewRead]:
    """Every vetting decision on a product, newest first (its vendor and admins)."""
    return await service.reviews(session, principal, product_id)


@router.post(
    "/{product_id}/review",
    responses=errors_for(Forbidden, ProductNotFound, ProductNotReviewable, InvalidInput),
)
async def review_product(
    product_id: uuid.UUID, body: Review, admin: TenantAdmin, session: SessionDep
) -> ProductRead:
    """Approve with a grade (S best … F worst) and notes, or reject with a reason."""
    return await service.review(session, admin, product_id, body)


@vetting_router.get("", responses=errors_for(Forbidden, BadRequest))
async def vetting_queue(
    admin: TenantAdmin, session: SessionDep, cursor: str | None = None, limit: PageLimit = 50
) -> ProductPage:
    """Products waiting for review, the longest waiting first."""
    return await service.queue(session, admin, cursor=cursor, limit=limit)


@market_router.get("", responses=errors_for(BadRequest))
async def marketplace(
    principal: ReadPrincipal,
    session: ReadSessionDep,
    market: Annotated[MarketQuery, Query()],
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: Literal["newest", "commission", "epc"] = "newest",
    cursor: str | None = None,
    limit: PageLimit = 24,
) -> ProductPage:
    """Approved products: filter by category, currency, price and per-sale commission (minor
    units) and grade; newest approved first, or the best-paying per sale."""
    filters = replace(
        market.filter(), query=q or None, own=await groups.own_terms(session, principal)
    )
    return await service.marketplace(
        session,
        principal,
        filters=filters,
        sort=sort,
        epc_of=analytics.product_epc,
        cursor=cursor,
        limit=limit,
    )


@market_router.get("/categories")
async def marketplace_categories(
    _principal: ReadPrincipal, session: ReadSessionDep
) -> list[CategoryCount]:
    """The categories with approved products, and how many each has."""
    return await service.categories(session)


@public_router.get(
    "/{slug}/product-images/{image_id}",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}},
        **errors_for(TenantNotFound, ImageNotFound),
    },
)
async def product_image(slug: str, image_id: uuid.UUID, session: SessionDep) -> Response:
    """A product image (addressed by its unguessable id within its organisation)."""
    await tenants.enter_by_slug(session, slug.lower(), allow_suspended=True)
    found = await service.image(session, image_id)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=86400", "ETag": f'"{found.sha256[:32]}"'},
    )
