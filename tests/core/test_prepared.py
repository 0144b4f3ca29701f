"""Prepared statements: the same rows as SQLAlchemy gives for the same statement, values bound
by name, the others as the statement was built with."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Enum, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.repository import Market, MarketFilter
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.prepared import Prepared
from tests.core.conftest import tenant_session_with


class Shade(enum.Enum):
    light = "light"
    dark = "dark"


PROBE = Table(
    "prepared_probe",
    MetaData(),
    Column("n", Integer),
    Column("name", String(10)),
    Column("shade", Enum(Shade, native_enum=False, length=10)),
)


@pytest.fixture
async def session(db_urls: DatabaseUrls) -> AsyncIterator[AsyncSession]:
    """A tenant's unit of work with a probe table of four rows (dropped with the transaction)."""
    async with tenant_session_with(
        db_urls,
        "CREATE TEMP TABLE prepared_probe (n int, name varchar(10), shade varchar(10))"
        " ON COMMIT DROP",
        "INSERT INTO prepared_probe VALUES (1, 'ash', 'light'), (2, 'birch', 'dark'),"
        " (3, 'cedar', 'light'), (4, 'dogwood', 'dark')",
    ) as session:
        yield session


# the enum is a value the statement is built with (SQLAlchemy stores its name); the bound is
# named, given per call
STATEMENT = (
    select(PROBE.c.n, PROBE.c.name)
    .where(PROBE.c.shade == Shade.light, PROBE.c.n <= bindparam("most"))
    .order_by(PROBE.c.n)
)


@pytest.mark.parametrize("most", [0, 1, 3, 4])
async def test_a_prepared_statement_gives_what_sqlalchemy_gives(
    session: AsyncSession, most: int
) -> None:
    expected = (await session.execute(STATEMENT, {"most": most})).all()

    got = await Prepared(STATEMENT).fetch(session, {"most": most})

    assert [tuple(r) for r in got] == [tuple(r) for r in expected]


async def test_a_value_not_given_is_the_one_the_statement_was_built_with(
    session: AsyncSession,
) -> None:
    statement = select(PROBE.c.name).where(PROBE.c.n == bindparam("n", value=2))

    assert [r[0] for r in await Prepared(statement).fetch(session)] == ["birch"]
    assert [r[0] for r in await Prepared(statement).fetch(session, {"n": 4})] == ["dogwood"]


async def test_it_runs_only_inside_a_tenants_transaction(db_urls: DatabaseUrls) -> None:
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session:
            with pytest.raises(RuntimeError, match="set_tenant"):
                await Prepared(select(bindparam("x", value=1))).fetch(session)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param(MarketFilter(category="a"), MarketFilter(category="b"), True, id="values"),
        pytest.param(MarketFilter(min_price=1), MarketFilter(max_price=1), False, id="bounds"),
        pytest.param(MarketFilter(), MarketFilter(category="a"), False, id="a-filter-more"),
        pytest.param(MarketFilter(currency="EUR"), MarketFilter(currency="USD"), False, id="baked"),
    ],
)
def test_markets_of_one_shape_share_their_statement(
    first: MarketFilter, second: MarketFilter, same: bool
) -> None:
    a, b = Market.of(first, 1_000), Market.of(second, 1_000)

    assert (a == b and hash(a) == hash(b)) is same


def test_a_markets_varying_values_are_bound_not_built_in() -> None:
    market = Market.of(MarketFilter(category="Rare", min_commission=250, currency="EUR"), 1_000)

    assert market.values == {"market_category": "Rare", "market_min_commission": 250}
    sql = str(market.ids())
    assert ":market_category" in sql
    assert ":market_min_commission" in sql
