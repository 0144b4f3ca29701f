"""Every query on the catalog tables (RLS scopes them to the transaction's tenant)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Uuid,
    any_,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
    table,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bitnexus.accounts.models import User
from bitnexus.catalog.commission import OwnTerms
from bitnexus.catalog.models import Product, ProductImage, ProductReview, ProductStatus
from bitnexus.catalog.shown import Shown, ShownRows, approved_rows, extra_columns, images_of
from bitnexus.core.money import BPS

EarningsPerClick = Callable[[Any, Any], ColumnElement[int]]
"""A product's earnings per click as SQL, given its tenant and id columns (analytics owns that
figure)."""


@dataclass(frozen=True)
class MarketFilter:
    category: str | None = None
    currency: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    min_commission: int | None = None  # per sale, minor units
    grades: Sequence[str] = ()
    query: str | None = None
    # whose commission is shown, sorted and filtered by: the reader's own terms, where they
    # cover a product (an affiliate's group's), else the product's
    own: OwnTerms | None = None

    def varied(self) -> dict[str, Any]:
        """The filters set whose values vary from one search to the next (`VARYING`): what a
        statement over them binds as values, not as its shape (`Market`)."""
        return {f: getattr(self, f) for f in VARYING if getattr(self, f) is not None}

    @property
    def varying(self) -> bool:
        """Whether a filter of `varied` is set."""
        return bool(self.varied())


def per_sale(
    default_bps: int, p: type[Product] = Product, own: OwnTerms | None = None
) -> ColumnElement[int]:
    """`split.pool` of one sale at the list price without a tier bonus (rule `split-v1`): the
    fixed amount or floor(price × bps / 10000), never more than the price; a product without a
    rule uses the tenant's default percentage, and `own` terms replace the rule of the products
    they cover. Pinned to `split.pool` by tests/catalog/test_per_sale.py."""
    bps = func.coalesce(p.commission_bps, literal(default_bps))
    # with no bonus, floor(price × bps × BPS / BPS²) is floor(price × bps / BPS): integer division
    owed: ColumnElement[int] = func.coalesce(p.commission_fixed_minor, p.price_minor * bps // BPS)
    if own is not None and own.has_rule:
        mine = (
            literal(own.fixed_minor)
            if own.fixed_minor is not None
            else p.price_minor * literal(own.bps) // BPS
        )
        covered = p.id.in_(list(own.product_ids)) if own.product_ids else true()
        owed = case((covered, mine), else_=owed)
    return func.least(owed, p.price_minor)


async def get(
    session: AsyncSession, product_id: uuid.UUID, *, lock: bool = False
) -> Product | None:
    stmt = select(Product).where(Product.id == product_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


@functools.cache
def _approved_shown() -> Select[*tuple[Any, ...]]:
    # built once: every recommendation reads its page with it (a search, in its page statement)
    ids = bindparam("ids", type_=ARRAY(Uuid))
    return approved_rows().statement.where(Product.id == any_(ids))


async def approved_shown(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Shown]:
    """The approved products of `ids`, each with what its reads show: one round trip."""
    rows = await session.execute(_approved_shown(), {"ids": list(ids)})
    return [ShownRows.load(row, 0) for row in rows]


async def shown(session: AsyncSession, products: Sequence[Product]) -> list[Shown]:
    """`products` (read already) with what their reads show, in their order: one round trip."""
    stmt = select(Product.id, *extra_columns()).where(Product.id.in_([p.id for p in products]))
    extra = {row[0]: (row[1] or "", images_of(row[2])) for row in await session.execute(stmt)}
    return [Shown(p, *extra.get(p.id, ("", []))) for p in products]


async def titles(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    stmt = select(Product.id, Product.title).where(Product.id.in_(ids))
    return {row.id: row.title for row in await session.execute(stmt)}


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def image(session: AsyncSession, image_id: uuid.UUID) -> ProductImage | None:
    return await session.get(ProductImage, image_id)


async def image_count_and_last(session: AsyncSession, product_id: uuid.UUID) -> tuple[int, int]:
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.max(ProductImage.position), -1)).where(
                ProductImage.product_id == product_id
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def delete(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


def market_conditions(
    filters: MarketFilter, default_bps: int, p: type[Product] = Product
) -> list[ColumnElement[bool]]:
    """What puts a product in the marketplace (approved) and through `filters` (`p`: the
    products, or the `Searchable` view of them)."""
    earns = per_sale(default_bps, p, filters.own)
    where: list[ColumnElement[bool]] = [p.status == ProductStatus.approved]
    if filters.category is not None:  # (a value, or a prepared statement's parameter)
        where.append(p.category == filters.category)
    if filters.currency:
        where.append(p.currency == filters.currency)
    if filters.min_price is not None:
        where.append(p.price_minor >= filters.min_price)
    if filters.max_price is not None:
        where.append(p.price_minor <= filters.max_price)
    if filters.min_commission is not None:
        where.append(earns >= filters.min_commission)
    if filters.grades:
        # one value each, not an IN list: a statement prepared once (`core.prepared`) cannot
        # expand a list
        where.append(or_(*(p.grade == grade for grade in filters.grades)))
    if filters.query:
        pattern = (
            "%" + filters.query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(p.title.ilike(pattern) | p.description.ilike(pattern))
    return where


SEARCHABLE = [
    "id", "tenant_id", "status", "category", "currency", "price_minor", "commission_bps",
    "commission_fixed_minor", "grade", "title", "description", "search_document",
]  # fmt: skip
Searchable = aliased(
    Product,
    table("product_search", *(column(n, Product.__table__.c[n].type) for n in SEARCHABLE)),
    adapt_on_names=True,
)
"""The tenant's products as migration 0034's `product_search` view (`core.rls.tenant_view`):
conditions on it may use the full-text index, which row security forbids."""


# the filters a search varies from one request to the next: named parameters of its prepared
# statements; the others (currency, grades, a title query, the reader's own terms) and the
# tenant's default rate are part of a statement's shape, baked in
VARYING = ("category", "min_price", "max_price", "min_commission")


@dataclass(frozen=True)
class Market:
    """The marketplace through filters, as SQL that other statements embed: equal shapes make
    the same SQL (`ids`), whose named parameters `values` binds."""

    default_bps: int
    baked: MarketFilter  # the filters, with each varying value replaced by True
    values: dict[str, Any] = field(compare=False, hash=False)

    @classmethod
    def of(cls, filters: MarketFilter, default_bps: int) -> Market:
        present = filters.varied()
        marks: dict[str, Any] = {f: True if f in present else None for f in VARYING}
        baked = replace(filters, grades=tuple(filters.grades), **marks)
        return cls(default_bps, baked, {f"market_{f}": v for f, v in present.items()})

    @property
    def unfiltered(self) -> bool:
        """Whether the marketplace is every approved product: no filter narrows it (the
        reader's own commission terms change what is shown, not which products)."""
        return replace(self.baked, own=None) == MarketFilter()

    def conditions(self, p: type[Product] = Product) -> list[ColumnElement[bool]]:
        """`market_conditions` with a named parameter for each varying value."""
        named: dict[str, Any] = {
            f: bindparam(f"market_{f}") for f in VARYING if getattr(self.baked, f)
        }
        template = replace(self.baked, **named)
        return market_conditions(template, self.default_bps, p)

    def ids(self) -> Select[uuid.UUID]:
        return select(Searchable.id).where(*self.conditions(Searchable))


SEARCH_TEXT = func.bitnexus_search_text(
    Product.title, Product.description, Product.category, Product.tags
)
"""A product's text as search embeds it: migration 0031's `bitnexus_search_text`, the same
fields the full-text document is built from."""


def search_texts(ids: Sequence[uuid.UUID] | None = None) -> Select[uuid.UUID, str]:
    """Every product's id and search text but archived ones' (or those of `ids`)."""
    stmt = select(Product.id, SEARCH_TEXT.label("text")).where(
        Product.status != ProductStatus.archived
    )
    if ids is not None:
        stmt = stmt.where(Product.id.in_(ids))
    return stmt


async def marketplace(
    session: AsyncSession,
    *,
    filters: MarketFilter,
    sort: str,
    default_bps: int,
    epc_of: EarningsPerClick,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[tuple[Product, int, int]]:
    """Approved products with their per-sale commission and earnings per click (thousandths
    of a minor unit, -1 before a first click): newest, best-paying or best-earning first."""
    earns = per_sale(default_bps, Product, filters.own)
    epc = epc_of(Product.tenant_id, Product.id)
    stmt = select(Product, earns.label("per_sale"), epc.label("epc")).where(
        *market_conditions(filters, default_bps)
    )
    first = {"commission": earns, "epc": epc}.get(sort, Product.reviewed_at)
    keys: list[Any] = [first, Product.id]
    if after is not None:  # keyset paging: every key descending
        stmt = stmt.where(tuple_(*keys) < tuple_(*after))
    stmt = stmt.order_by(*(k.desc() for k in keys)).limit(limit)
    return [(row[0], int(row[1]), int(row[2])) for row in await session.execute(stmt)]


async def categories(session: AsyncSession) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(Product.category, func.count())
        .where(Product.status == ProductStatus.approved)
        .group_by(Product.category)
        .order_by(Product.category)
    )
    return [(r[0], int(r[1])) for r in rows]


async def of_vendor(
    session: AsyncSession,
    vendor_id: uuid.UUID | None,
    *,
    status: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[Product]:
    """A vendor's products (every vendor's, for `None`), newest first."""
    stmt = select(Product)
    if vendor_id is not None:
        stmt = stmt.where(Product.vendor_id == vendor_id)
    if status:
        stmt = stmt.where(Product.status == status)
    keys = [Product.created_at, Product.id]
    if after is not None:  # keyset paging: every key descending
        stmt = stmt.where(tuple_(*keys) < tuple_(*after))
    stmt = stmt.order_by(*(k.desc() for k in keys)).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def queue(
    session: AsyncSession, *, after: tuple[Any, ...] | None, limit: int
) -> list[Product]:
    """Products waiting for review, the longest waiting first."""
    keys = [Product.submitted_at, Product.id]
    stmt = select(Product).where(Product.status == ProductStatus.pending)
    if after is not None:
        stmt = stmt.where(tuple_(*keys) > tuple_(*after))
    stmt = stmt.order_by(*keys).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def reviews(session: AsyncSession, product_id: uuid.UUID) -> list[tuple[ProductReview, str]]:
    rows = await session.execute(
        select(ProductReview, User.name)
        .join(
            User,
            (User.tenant_id == ProductReview.tenant_id) & (User.id == ProductReview.reviewer_id),
        )
        .where(ProductReview.product_id == product_id)
        .order_by(ProductReview.created_at.desc(), ProductReview.id)
    )
    return [(r[0], r[1]) for r in rows]
