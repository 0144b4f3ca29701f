"""What a product's read shows (`catalog.service.read_of`): its own columns, its vendor's name
and its images, read with the product entity or as a plain row (`ShownRows`): by the
catalog's reads by id, and by a statement of another domain that ends in the products it
ranked (a search's page).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import JSON, Select, func, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by

from bitnexus.accounts.models import User
from bitnexus.catalog.models import Product, ProductImage, ProductStatus


@dataclass(frozen=True, slots=True)
class ProductRow:
    """A product's columns as a read shows them, read as a plain row (no ORM entity): the
    attributes of `Product` they share, named alike."""

    id: uuid.UUID
    vendor_id: uuid.UUID
    title: str
    description: str
    category: str
    tags: list[str]
    price_minor: int
    currency: str
    landing_url: str
    commission_bps: int | None
    commission_fixed_minor: int | None
    cookie_days: int | None
    refund_hold_days: int | None
    status: str
    grade: str | None
    review_notes: str
    rejection_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None


ProductFacts = Product | ProductRow
"""A product as a read shows it: the entity, or its row read by another statement."""

_ROW = [f.name for f in fields(ProductRow)]


@dataclass(frozen=True)
class ImageMeta:
    """An image's metadata (not its bytes)."""

    id: uuid.UUID
    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class Shown:
    """A product with what its reads show beside its own columns."""

    product: ProductFacts
    vendor_name: str
    images: list[ImageMeta]


def extra_columns() -> tuple[Any, Any]:
    """A product row's vendor name and its images in display order (id, sha256, width,
    height each), as columns of a statement on `products`."""
    name = (
        select(User.name)
        .where(User.tenant_id == Product.tenant_id, User.id == Product.vendor_id)
        .scalar_subquery()
    )
    image = func.json_build_array(
        ProductImage.id, ProductImage.sha256, ProductImage.width, ProductImage.height
    )
    images = (
        select(func.json_agg(aggregate_order_by(image, ProductImage.position)))
        .where(ProductImage.tenant_id == Product.tenant_id, ProductImage.product_id == Product.id)
        .scalar_subquery()
    )
    return name, type_coerce(images, JSON)


def images_of(values: str | list[list[Any]] | None) -> list[ImageMeta]:
    """The images column (`extra_columns`), as JSON text or decoded."""
    decoded = json.loads(values) if isinstance(values, str) else values
    return [ImageMeta(uuid.UUID(i), sha, w, h) for i, sha, w, h in decoded or []]


@dataclass(frozen=True)
class ShownRows:
    """The marketplace's products (approved) as rows of what their reads show, for a statement
    that picks them by `id`; `load` makes a `Shown` of a row's columns from `start` on."""

    statement: Select[*tuple[Any, ...]]

    @staticmethod
    def load(row: Any, start: int) -> Shown:
        """(`row`: a sequence, or a driver's record.)"""
        end = start + len(_ROW)
        values = tuple(row[start:end])
        return Shown(ProductRow(*values), row[end] or "", images_of(row[end + 1]))


@functools.cache
def approved_rows() -> ShownRows:
    columns = [getattr(Product, name) for name in _ROW]
    return ShownRows(
        select(*columns, *extra_columns()).where(Product.status == ProductStatus.approved)
    )
