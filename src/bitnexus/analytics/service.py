"""Dashboards for affiliates, vendors and admins over a range of UTC days. Balances come from
the ledger; everything else from the same tables the API lists, so every figure can be
checked against the commissions, sales and ledger pages."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.analytics import repository
from bitnexus.analytics.repository import By, Clicks, Earned, Grouped, Sales, Window
from bitnexus.analytics.schemas import (
    AdminDashboard,
    AffiliateDashboard,
    CampaignRow,
    CountryClicks,
    Day,
    Leader,
    Range,
    Row,
    Traffic,
    VendorDashboard,
    VendorDay,
    VendorProduct,
)
from bitnexus.commissions import accounts
from bitnexus.commissions.service import earnings as earnings_service
from bitnexus.core.days import day_range
from bitnexus.core.db import set_tenant
from bitnexus.core.errors import Forbidden, InvalidInput
from bitnexus.core.money import BPS, is_currency
from bitnexus.ledger import service as ledger
from bitnexus.tenants.models import Tenant

T = TypeVar("T")

LEADERS = 10


def window_of(start: dt.date | None, end: dt.date | None) -> tuple[Range, Window]:
    """The range asked for (default: the last 30 days, today included)."""
    days = day_range(start, end)
    return Range(start=days.first, end=days.last), Window(days.begin, days.finish)


def clicks_total(days: dict[Any, Clicks]) -> Clicks:
    """The window's total, from its days (one query fewer per figure)."""
    return Clicks(
        sum(c.raw for c in days.values()),
        sum(c.clicks for c in days.values()),
        sum(c.unique for c in days.values()),
    )


def _countries(clicks: dict[Any, Clicks]) -> list[CountryClicks]:
    rows = [
        CountryClicks(
            country=code or None, clicks_raw=c.raw, clicks=c.clicks, unique_clicks=c.unique
        )
        for code, c in clicks.items()
    ]
    return sorted(rows, key=lambda r: (r.country is None, -r.clicks, -r.clicks_raw, r.country))


def _figures(grouped: Grouped[Earned], figure: Callable[[Earned], int]) -> Grouped[int]:
    return {by: {key: figure(e) for key, e in keyed.items()} for by, keyed in grouped.items()}


def sales_total(days: dict[Any, Sales]) -> Sales:
    return Sales(
        sum(s.count for s in days.values()),
        sum(s.amount for s in days.values()),
        sum(s.refunded for s in days.values()),
    )


def product_epc(tenant_id: Any, product_id: Any) -> ColumnElement[int]:
    """A product's earnings per click as SQL (`repository.epc_milli`), for the marketplace."""
    return repository.epc_milli(tenant_id, product_id)


def traffic(clicks: Clicks, conversions: int, earned: int) -> Traffic:
    return Traffic(
        clicks_raw=clicks.raw,
        clicks=clicks.clicks,
        unique_clicks=clicks.unique,
        conversions=conversions,
        conversion_rate_bps=conversions * BPS // clicks.clicks if clicks.clicks else 0,
        earnings_minor=earned,
        epc_minor=earned // clicks.clicks if clicks.clicks else 0,
    )


def days_of(
    span: Range, clicks: dict[Any, Clicks], sales: dict[Any, Sales], earned: dict[Any, int]
) -> list[Day]:
    out = []
    day = span.start
    while day <= span.end:
        c = clicks.get(day, Clicks())
        out.append(
            Day(
                day=day,
                clicks_raw=c.raw,
                clicks=c.clicks,
                unique_clicks=c.unique,
                conversions=sales.get(day, Sales()).count,
                earnings_minor=earned.get(day, 0),
            )
        )
        day += dt.timedelta(days=1)
    return out


def _rows(
    keys: set[uuid.UUID],
    labels: dict[uuid.UUID, str],
    clicks: dict[Any, Clicks],
    sales: dict[Any, Sales],
    earned: dict[Any, int],
) -> list[Row]:
    rows = [
        Row(
            id=key,
            label=labels.get(key, "—"),
            **traffic(
                clicks.get(key, Clicks()), sales.get(key, Sales()).count, earned.get(key, 0)
            ).model_dump(),
        )
        for key in keys
    ]
    return sorted(rows, key=lambda r: (-r.earnings_minor, -r.clicks, r.label))


def _campaigns(
    campaign_of: dict[uuid.UUID, str | None],
    clicks: dict[Any, Clicks],
    sales: dict[Any, Sales],
    earned: dict[Any, int],
) -> list[CampaignRow]:
    """The links' figures added up by their campaign."""
    links: dict[str | None, list[uuid.UUID]] = {}
    for link, campaign in campaign_of.items():
        links.setdefault(campaign, []).append(link)
    rows = [
        CampaignRow(
            campaign=campaign,
            links=len(ids),
            **traffic(
                clicks_total({i: clicks[i] for i in ids if i in clicks}),
                sum(sales[i].count for i in ids if i in sales),
                sum(earned.get(i, 0) for i in ids),
            ).model_dump(),
        )
        for campaign, ids in links.items()
    ]
    return sorted(
        rows, key=lambda r: (r.campaign is None, -r.earnings_minor, -r.clicks, r.campaign or "")
    )


@dataclass(frozen=True)
class _Board:
    span: Range
    window: Window
    currency: str  # of the money figures
    currencies: list[str]  # that the caller could ask for instead


async def _beside(
    session: AsyncSession, tenant_id: uuid.UUID, read: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """`read` on a connection of its own (the same tenant, set up for ranges), so a dashboard's
    big aggregates run side by side rather than one after another. Each still sees what was
    committed when it started, as it would have on the request's connection."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with AsyncSession(engine) as side, side.begin():
        await set_tenant(side, tenant_id)
        await repository.prepare_for_ranges(side)
        return await read(side)


async def open_board(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    role: Role,
    start: dt.date | None,
    end: dt.date | None,
    currency: str | None,
) -> _Board:
    """Check the role's dashboard is the caller's and set the transaction up for its range."""
    if user.role != role:
        raise Forbidden(f"This dashboard is for the {role.replace('_', ' ')} role.")
    span, window = window_of(start, end)
    cur = (currency or tenant.default_currency).strip().upper()
    if not is_currency(cur):
        raise InvalidInput("currency", "Not an ISO 4217 currency code.")
    sold = await repository.currencies(session, vendor_id=user.id if role == Role.vendor else None)
    await repository.prepare_for_ranges(session)
    return _Board(span, window, cur, sorted({*sold, tenant.default_currency, cur}))


async def affiliate(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    start: dt.date | None,
    end: dt.date | None,
    currency: str | None = None,
) -> AffiliateDashboard:
    board = await open_board(session, user, tenant, Role.affiliate, start, end, currency)
    span, window, cur = board.span, board.window, board.currency
    bys: tuple[By, ...] = ("day", "link", "product")
    # one affiliate's rows are few: side connections would cost more than they save
    clicks = await repository.clicks(session, window, [*bys, "country"], affiliate_id=user.id)
    sales = await repository.sales(session, window, bys, currency=cur, affiliate_id=user.id)
    earned = _figures(
        await repository.earnings(session, window, bys, currency=cur, beneficiary_id=user.id),
        lambda e: e.shares,
    )
    links = set(clicks["link"]) | {k for k in sales["link"] if k} | {k for k in earned["link"] if k}
    products = (
        set(clicks["product"])
        | {k for k in sales["product"] if k}
        | {k for k in earned["product"] if k}
    )
    [balance] = [
        b for b in await earnings_service.balances(session, user, cur) if b.currency == cur
    ]
    return AffiliateDashboard(
        range=span,
        currency=cur,
        currencies=board.currencies,
        totals=traffic(
            clicks_total(clicks["day"]),
            sales_total(sales["day"]).count,
            sum(earned["day"].values()),
        ),
        balances=balance,
        days=days_of(span, clicks["day"], sales["day"], earned["day"]),
        links=_rows(
            links,
            await repository.labels(session, "links", links),
            clicks["link"],
            sales["link"],
            earned["link"],
        ),
        campaigns=_campaigns(
            await repository.campaigns(session, links),
            clicks["link"],
            sales["link"],
            earned["link"],
        ),
        products=_rows(
            products,
            await repository.labels(session, "products", products),
            clicks["product"],
            sales["product"],
            earned["product"],
        ),
        countries=_countries(clicks["country"]),
    )


async def vendor(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    start: dt.date | None,
    end: dt.date | None,
    currency: str | None = None,
) -> VendorDashboard:
    board = await open_board(session, user, tenant, Role.vendor, start, end, currency)
    span, window, cur = board.span, board.window, board.currency
    bys: tuple[By, ...] = ("day", "product")
    async with asyncio.TaskGroup() as together:  # a failure cancels and awaits the others
        on_sales = together.create_task(
            repository.sales(
                session, window, bys, currency=cur, vendor_id=user.id, attributed=False
            )
        )
        on_shares = together.create_task(
            _beside(
                session,
                tenant.id,
                lambda side: repository.earnings(
                    side, window, bys, currency=cur, vendor_id=user.id
                ),
            )
        )
        on_traffic = together.create_task(
            _beside(
                session,
                tenant.id,
                lambda side: repository.clicks(
                    side, window, ["product", "country"], vendor_id=user.id
                ),
            )
        )
    sales, shares, traffic = on_sales.result(), on_shares.result(), on_traffic.result()
    owed = _figures(shares, lambda e: e.shares + e.fees)
    clicks = traffic["product"]
    products = {k for k in sales["product"] if k} | set(clicks)
    titles = await repository.labels(session, "products", products)
    receivable = accounts.receivable(user.id, cur).code
    balance = await ledger.balance_if_open(session, receivable)
    total = sales_total(sales["day"])
    days = []
    day = span.start
    while day <= span.end:
        s = sales["day"].get(day, Sales())
        days.append(
            VendorDay(
                day=day,
                sales=s.count,
                sales_minor=s.amount,
                commission_minor=owed["day"].get(day, 0),
            )
        )
        day += dt.timedelta(days=1)
    return VendorDashboard(
        range=span,
        currency=cur,
        currencies=board.currencies,
        sales=total.count,
        sales_minor=total.amount,
        refunded_minor=total.refunded,
        commission_minor=sum(owed["day"].values()),
        receivable_minor=balance,
        days=days,
        products=sorted(
            (
                VendorProduct(
                    id=p,
                    title=titles.get(p, "—"),
                    clicks=clicks.get(p, Clicks()).clicks,
                    sales=sales["product"].get(p, Sales()).count,
                    sales_minor=sales["product"].get(p, Sales()).amount,
                    refunded_minor=sales["product"].get(p, Sales()).refunded,
                    commission_minor=owed["product"].get(p, 0),
                )
                for p in products
            ),
            key=lambda p: (-p.sales_minor, p.title),
        ),
        countries=_countries(traffic["country"]),
    )


async def admin(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    start: dt.date | None,
    end: dt.date | None,
    currency: str | None = None,
) -> AdminDashboard:
    board = await open_board(session, user, tenant, Role.tenant_admin, start, end, currency)
    span, window, cur = board.span, board.window, board.currency
    bys: tuple[By, ...] = ("day", "affiliate", "link")
    async with asyncio.TaskGroup() as together:  # a failure cancels and awaits the others
        on_clicks = together.create_task(repository.clicks(session, window, [*bys, "country"]))
        on_sales = together.create_task(
            _beside(
                session, tenant.id, lambda side: repository.sales(side, window, bys, currency=cur)
            )
        )
        on_shares = together.create_task(
            _beside(
                session,
                tenant.id,
                lambda side: repository.earnings(side, window, [*bys, "all"], currency=cur),
            )
        )
    clicks, sales, shares_and_fees = on_clicks.result(), on_sales.result(), on_shares.result()
    earned = _figures(shares_and_fees, lambda e: e.shares)
    fees = shares_and_fees["all"].get(repository.ALL, Earned()).fees
    ranked = sorted(
        ((who, amount) for who, amount in earned["affiliate"].items() if who is not None),
        key=lambda kv: -kv[1],
    )[:LEADERS]
    names = await repository.labels(session, "users", {k for k, _ in ranked})
    fee_code = accounts.fees(cur).code
    fees_balance = await ledger.balance_if_open(session, fee_code)
    vetting, fraud, paying = await repository.queues(session)
    links = set(clicks["link"]) | {k for k in sales["link"] if k} | {k for k in earned["link"] if k}
    return AdminDashboard(
        range=span,
        currency=cur,
        currencies=board.currencies,
        totals=traffic(
            clicks_total(clicks["day"]),
            sales_total(sales["day"]).count,
            sum(earned["day"].values()),
        ),
        sales_minor=sales_total(sales["day"]).amount,
        fees_minor=fees,
        fees_balance_minor=fees_balance,
        days=days_of(span, clicks["day"], sales["day"], earned["day"]),
        leaders=[
            Leader(
                affiliate_id=who,
                name=names.get(who, "—"),
                clicks=clicks["affiliate"].get(who, Clicks()).clicks,
                conversions=sales["affiliate"].get(who, Sales()).count,
                earnings_minor=amount,
            )
            for who, amount in ranked
        ],
        campaigns=_campaigns(
            await repository.campaigns(session, links),
            clicks["link"],
            sales["link"],
            earned["link"],
        ),
        countries=_countries(clicks["country"]),
        vetting_queue=vetting,
        fraud_queue=fraud,
        payouts_in_payment=paying,
    )
