"""Dashboard queries: counts and sums over a time range, grouped by day (UTC), link, product
or affiliate, or not at all (RLS scopes every one to the transaction's tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Row,
    Select,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.catalog.models import Product, ProductStatus
from bitnexus.commissions.models import Commission, Conversion, FraudHold
from bitnexus.payouts.models import PayoutItem
from bitnexus.tracking.models import Click, ClickHour, ClickRollup, Link

By = Literal["day", "link", "product", "affiliate", "country", "all"]  # country: clicks only
ALL = True  # the key of the one row an "all" grouping gives
T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime  # exclusive


@dataclass
class Clicks:
    raw: int = 0
    clicks: int = 0
    unique: int = 0


@dataclass
class Sales:
    count: int = 0
    amount: int = 0
    refunded: int = 0


@dataclass
class Earned:
    shares: int = 0  # affiliates' and uplines' shares, net of refunds
    fees: int = 0  # the platform's fees, net of refunds


Grouped = dict[By, dict[Any, T]]  # per grouping, each key's figure


def _day(column: Any) -> ColumnElement[dt.date]:
    # a literal zone: GROUPING SETS and grouping() match expressions, and two bind parameters
    # for the same 'UTC' would make them different expressions
    return cast(func.timezone(literal_column("'UTC'"), column), Date)


def _grouped(stmt: Any, keys: dict[By, Any], bys: Sequence[By]) -> Select[Any]:
    """`stmt` grouped by each of `bys` in one scan (GROUPING SETS); `_split` sorts the rows
    out. "all" is the empty grouping: one row for the whole window."""
    keyed = [by for by in bys if by != "all"]
    grouped: Select[Any] = stmt.add_columns(
        *(keys[by].label(f"k_{by}") for by in keyed),
        *(func.grouping(keys[by]).label(f"g_{by}") for by in keyed),
    )
    if keyed:
        sets = [tuple_(keys[by]) for by in keyed] + ([tuple_()] if "all" in bys else [])
        grouped = grouped.group_by(func.grouping_sets(*sets))
    return grouped


def _split(
    rows: Iterable[Row[Any]], bys: Sequence[By], value: Callable[[Row[Any]], T | None]
) -> Grouped[T]:
    """The rows of `_grouped` as {grouping: {key: figure}}, rows whose figure is None left out."""
    keyed = [by for by in bys if by != "all"]
    out: Grouped[T] = {by: {} for by in bys}
    for row in rows:
        figure = value(row)
        if figure is None:
            continue
        m = row._mapping
        by: By = next((b for b in keyed if m[f"g_{b}"] == 0), "all")
        out[by][ALL if by == "all" else m[f"k_{by}"]] = figure
    return out


async def clicks(
    session: AsyncSession,
    window: Window,
    bys: Sequence[By],
    *,
    affiliate_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
) -> Grouped[Clicks]:
    """Click counts: settled hours from the rollups (`tracking/rollups.py`), the rest from the
    clicks themselves, so the figures do not depend on when the rollup job last ran."""
    mark = (await session.execute(select(ClickRollup.rolled_until))).scalar_one_or_none()
    split = window.start if mark is None else min(max(mark, window.start), window.end)
    out: Grouped[Clicks] = {by: {} for by in bys}
    parts = []
    if split > window.start:
        parts.append(
            await _rolled(session, Window(window.start, split), bys, affiliate_id, vendor_id)
        )
    if split < window.end:
        parts.append(await _raw(session, Window(split, window.end), bys, affiliate_id, vendor_id))
    for part in parts:
        for by, grouped in part.items():
            for key, counted in grouped.items():
                total = out[by].setdefault(key, Clicks())
                total.raw += counted.raw
                total.clicks += counted.clicks
                total.unique += counted.unique
    return out


def _click_keys(source: Any, time: Any) -> dict[By, Any]:
    """The grouping columns of clicks or of their hourly rollups (`all`: none); an unknown
    country is '' in both."""
    return {
        "day": _day(time),
        "link": source.link_id,
        "product": source.product_id,
        "affiliate": source.affiliate_id,
        "country": func.coalesce(source.country, ""),
    }


def _counted(row: Row[Any]) -> Clicks | None:
    return Clicks(int(row.raw), int(row.clicks), int(row.uniq)) if row.raw else None


async def _rolled(
    session: AsyncSession,
    window: Window,
    bys: Sequence[By],
    affiliate_id: uuid.UUID | None,
    vendor_id: uuid.UUID | None,
) -> Grouped[Clicks]:
    counts = [
        func.coalesce(func.sum(ClickHour.raw), 0),
        func.coalesce(func.sum(ClickHour.clicks), 0),
        func.coalesce(func.sum(ClickHour.uniq), 0),
    ]
    return await _counts(
        session, ClickHour, ClickHour.hour, counts, window, bys, affiliate_id, vendor_id
    )


async def _raw(
    session: AsyncSession,
    window: Window,
    bys: Sequence[By],
    affiliate_id: uuid.UUID | None,
    vendor_id: uuid.UUID | None,
) -> Grouped[Clicks]:
    counts = [
        func.count(),
        func.count().filter(~Click.is_bot),
        func.count().filter(Click.is_unique & ~Click.is_bot),
    ]
    return await _counts(
        session, Click, Click.created_at, counts, window, bys, affiliate_id, vendor_id
    )


async def _counts(
    session: AsyncSession,
    source: Any,
    time: Any,
    counts: Sequence[Any],  # raw, filtered and unique clicks
    window: Window,
    bys: Sequence[By],
    affiliate_id: uuid.UUID | None,
    vendor_id: uuid.UUID | None,
) -> Grouped[Clicks]:
    """Clicks or their hourly rollups (`source`, timed by `time`) counted in the window."""
    raw, clicks, uniq = counts
    stmt = select(raw.label("raw"), clicks.label("clicks"), uniq.label("uniq")).where(
        time >= window.start, time < window.end
    )
    if affiliate_id is not None:
        stmt = stmt.where(source.affiliate_id == affiliate_id)
    if vendor_id is not None:
        stmt = stmt.where(
            tuple_(source.tenant_id, source.product_id).in_(
                select(Product.tenant_id, Product.id).where(Product.vendor_id == vendor_id)
            )
        )
    rows = await session.execute(_grouped(stmt, _click_keys(source, time), bys))
    return _split(rows, bys, _counted)


async def sales(
    session: AsyncSession,
    window: Window,
    bys: Sequence[By],
    *,
    currency: str,
    affiliate_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
    attributed: bool = True,
) -> Grouped[Sales]:
    """Sales reported in the window (attributed ones unless told otherwise; never rejected)."""
    keys: dict[By, Any] = {
        "day": _day(Conversion.created_at),
        "link": Conversion.link_id,
        "product": Conversion.product_id,
        "affiliate": Conversion.affiliate_id,
    }
    stmt = select(
        func.count().label("n"),
        func.coalesce(func.sum(Conversion.amount_minor), 0).label("amount"),
        func.coalesce(func.sum(Conversion.refunded_minor), 0).label("refunded"),
    ).where(
        Conversion.created_at >= window.start,
        Conversion.created_at < window.end,
        Conversion.currency == currency,
        Conversion.state != "rejected",
    )
    if attributed:
        stmt = stmt.where(Conversion.affiliate_id.is_not(None))
    if affiliate_id is not None:
        stmt = stmt.where(Conversion.affiliate_id == affiliate_id)
    if vendor_id is not None:
        stmt = stmt.where(Conversion.vendor_id == vendor_id)
    rows = await session.execute(_grouped(stmt, keys, bys))
    return _split(rows, bys, lambda r: Sales(r.n, int(r.amount), int(r.refunded)) if r.n else None)


async def earnings(
    session: AsyncSession,
    window: Window,
    bys: Sequence[By],
    *,
    currency: str,
    beneficiary_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
) -> Grouped[Earned]:
    """Shares and fees credited in the window, net of refunds, rejected ones left out."""
    keys: dict[By, Any] = {
        "day": _day(Commission.created_at),
        "link": Commission.link_id,
        "product": Commission.product_id,
        "affiliate": Commission.beneficiary_id,
    }
    net = Commission.amount_minor - Commission.reversed_minor
    is_fee = Commission.kind == "platform_fee"
    stmt = select(
        func.count().label("n"),
        func.coalesce(func.sum(net).filter(~is_fee), 0).label("shares"),
        func.coalesce(func.sum(net).filter(is_fee), 0).label("fees"),
    ).where(
        Commission.created_at >= window.start,
        Commission.created_at < window.end,
        Commission.currency == currency,
        Commission.state != "rejected",
    )
    if beneficiary_id is not None:
        stmt = stmt.where(Commission.beneficiary_id == beneficiary_id)
    if vendor_id is not None:
        stmt = stmt.where(Commission.vendor_id == vendor_id)
    rows = await session.execute(_grouped(stmt, keys, bys))
    return _split(rows, bys, lambda r: Earned(int(r.shares), int(r.fees)) if r.n else None)


async def prepare_for_ranges(session: AsyncSession) -> None:
    """Plan this transaction's range queries for their actual dates: a cached generic plan
    (which prepared statements switch to after five runs) guesses the range's size. And give
    them room to hash every grouping of a scan at once: with the default work_mem the planner
    sorts the rows for one of them when it cannot tell how few groups there are."""
    await session.execute(
        select(
            func.set_config("plan_cache_mode", "force_custom_plan", True),
            func.set_config("work_mem", "32MB", True),
        )
    )


async def labels(
    session: AsyncSession, what: Literal["links", "products", "users"], ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = {
        "links": select(Link.id, func.coalesce(Link.alias, Link.code)).where(Link.id.in_(ids)),
        "products": select(Product.id, Product.title).where(Product.id.in_(ids)),
        "users": select(User.id, User.name).where(User.id.in_(ids)),
    }[what]
    return {row[0]: row[1] for row in await session.execute(stmt)}


async def campaigns(
    session: AsyncSession, link_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Each link's campaign (its `utm_campaign`), None where it has none."""
    rows = await session.execute(
        select(Link.id, Link.utm_campaign).where(Link.id.in_(list(link_ids)))
    )
    return {row[0]: row[1] for row in rows}


async def currencies(session: AsyncSession, *, vendor_id: uuid.UUID | None = None) -> list[str]:
    """The currencies the program's products sell in (a vendor's own, when given): a sale is
    always in its product's currency, so these are the ones a dashboard can have money in."""
    stmt = select(Product.currency).distinct()
    if vendor_id is not None:
        stmt = stmt.where(Product.vendor_id == vendor_id)
    return list((await session.execute(stmt)).scalars())


async def queues(session: AsyncSession) -> tuple[int, int, int]:
    """(products waiting for vetting, open fraud holds, payouts in payment)."""
    row = (
        await session.execute(
            select(
                select(func.count())
                .where(Product.status == ProductStatus.pending)
                .scalar_subquery(),
                select(func.count()).where(FraudHold.status == "open").scalar_subquery(),
                select(func.count()).where(PayoutItem.status == "pending").scalar_subquery(),
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def epc_milli(tenant_id: Any, product_id: Any) -> ColumnElement[int]:
    """A product's earnings per click, all time, in thousandths of a minor unit (-1 before its
    first click): affiliates' shares and overrides net of refunds, rejected ones left out, per
    filtered click (rolled-up hours before the tenant's mark, raw clicks after it)."""
    # the tenant's mark, read in the subqueries below: correlated to the product's row further
    # out (left to itself, a subquery correlates only to the one around it, and would read
    # every product again: one mark per product, an error past the first)
    mark = func.coalesce(
        select(ClickRollup.rolled_until)
        .where(ClickRollup.tenant_id == tenant_id)
        .correlate_except(ClickRollup)
        .scalar_subquery(),
        literal_column("'-infinity'::timestamptz"),
    )
    rolled = (
        select(func.coalesce(func.sum(ClickHour.clicks), 0))
        .where(
            ClickHour.tenant_id == tenant_id,
            ClickHour.product_id == product_id,
            ClickHour.hour < mark,
        )
        .scalar_subquery()
    )
    live = (
        select(func.count())
        .select_from(Click)
        .join(Link, (Link.tenant_id == Click.tenant_id) & (Link.id == Click.link_id))
        .where(
            Link.tenant_id == tenant_id,
            Link.product_id == product_id,
            Click.created_at >= mark,
            ~Click.is_bot,
        )
        .scalar_subquery()
    )
    earned = (
        select(func.coalesce(func.sum(Commission.amount_minor - Commission.reversed_minor), 0))
        .join(
            Conversion,
            (Conversion.tenant_id == Commission.tenant_id)
            & (Conversion.id == Commission.conversion_id),
        )
        .where(
            Conversion.tenant_id == tenant_id,
            Conversion.product_id == product_id,
            Commission.kind.in_(("affiliate", "override")),
            Commission.state != "rejected",
        )
        .scalar_subquery()
    )
    clicks = rolled + live
    return case(
        (clicks > 0, cast(func.floor(earned * 1000 / clicks), BigInteger)), else_=literal(-1)
    )
