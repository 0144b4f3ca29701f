"""Keyword search reaches the full-text and trigram indexes as the runtime role: under row
security alone the tenant rule filters first and the text conditions (not LEAKPROOF) may not
use an index, which took 290 ms at 100,000 products for a query that matches nothing. A
misspelling is corrected from the title words' trigram index, never by reading titles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Text, bindparam, text
from sqlalchemy.engine import Engine

from bitnexus.catalog import keywords
from bitnexus.catalog.service import Market, MarketFilter
from bitnexus.core.bulk import driver
from bitnexus.core.db import set_tenant
from tests.search.conftest import Shop, open_shop

FILLERS = 5_000

FILL = """
INSERT INTO products (id, tenant_id, vendor_id, title, description, category, price_minor,
                      currency, landing_url, status, grade)
SELECT gen_random_uuid(), :tenant, :vendor,
       CASE WHEN n = 1 THEN 'Sourdough bread at home'
            ELSE 'Filler item ' || substr(md5(n::text), 1, 8) END,
       'Nothing to see.', 'Food', 1000, 'USD', 'https://vendor.example/p', 'approved', 'A'
FROM generate_series(1, :count) AS n
"""


@pytest.fixture(scope="module")
async def big_shop(app: FastAPI, owner_engine: Engine) -> AsyncIterator[Shop]:
    """A tenant with thousands of products, one of them about bread, each with a title word of
    its own, its indexes and statistics current, and the planner told that tenants are this
    big (it cannot know which tenant a query is for, so it assumes the average one: the test
    database's are tiny)."""
    shop = await open_shop(app)
    with owner_engine.begin() as owner:
        owner.execute(
            text(FILL), {"tenant": shop.tenant_id, "vendor": shop.vendor.id, "count": FILLERS}
        )
        # as autovacuum would have: GIN indexes take new rows into a pending list first
        owner.execute(text("SELECT gin_clean_pending_list('ix_products_search_document')"))
        owner.execute(text("SELECT gin_clean_pending_list('ix_product_title_words_word_trgm')"))
        for table in ("products", "product_title_words"):
            owner.execute(text(f"ALTER TABLE {table} ALTER COLUMN tenant_id SET (n_distinct = 1)"))
            owner.execute(text(f"ANALYZE {table}"))
    yield shop
    with owner_engine.begin() as owner:
        for table in ("products", "product_title_words"):
            owner.execute(text(f"ALTER TABLE {table} ALTER COLUMN tenant_id RESET (n_distinct)"))
            owner.execute(text(f"ANALYZE {table}"))


@pytest.mark.parametrize(
    ("words", "index"),
    [
        pytest.param("sourdough", "ix_products_search_document", id="full-text"),
        pytest.param("sourdoug bred", "ix_product_title_words_word_trgm", id="misspelt-word"),
    ],
)
async def test_keyword_search_uses_the_text_indexes(
    app: FastAPI, big_shop: Shop, words: str, index: str
) -> None:
    # given the keyword query as the search runs it, its values written in
    query = keywords.keyword_query(Market.of(MarketFilter(), 1_000), words, 10)

    # when the runtime role plans it in a tenant of thousands of products (too few for the
    # planner to prefer an index over reading the table: that choice is ruled out)
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, big_shop.tenant_id)
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        conn = await session.connection()
        sql = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join((await conn.exec_driver_sql(f"EXPLAIN {sql}")).scalars())

    # then the text index finds the rows, not a filter over every product of the tenant
    assert f"Bitmap Index Scan on {index}" in plan, plan


async def test_a_plan_made_for_any_words_ranks_by_the_query_parsed_once(
    app: FastAPI, big_shop: Shop
) -> None:
    # given the keyword statement as a search prepares it: the words a parameter
    words = bindparam("words", type_=Text)
    query = keywords.keyword_query(Market.of(MarketFilter(), 1_000), words, bindparam("limit"))

    # when it is planned once for any words (as an unfiltered search's statements are)
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, big_shop.tenant_id)
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        compiled = query.compile(dialect=(await session.connection()).dialect)
        values = {**compiled.params, "words": "sourdough", "limit": 10}
        literals = ", ".join(
            str(v) if isinstance(v, int) else f"'{v}'"
            for v in (values[name] for name in compiled.positiontup or ())
        )
        conn = await driver(session)
        await conn.execute(f"PREPARE keywords AS {compiled}")
        plan = [r[0] for r in await conn.fetch(f"EXPLAIN EXECUTE keywords({literals})")]
        await conn.execute("DEALLOCATE keywords")

    # then the text index finds the rows, and each row is ranked and rechecked against the
    # query made once from the words, not made again from them for each row
    assert any("Bitmap Index Scan on ix_products_search_document" in line for line in plan)
    per_row = [line for line in plan if "ts_rank(" in line or "Recheck Cond" in line]
    assert per_row, plan
    assert not [line for line in per_row if "plainto_tsquery" in line], plan


@pytest.mark.parametrize(
    ("words", "by_the_words"),
    [
        pytest.param("sourdough loaf", True, id="a-word-of-it"),
        pytest.param("sourdoug", False, id="nearly-spelt"),
    ],
)
async def test_keyword_search_finds_the_one_product_among_thousands(
    app: FastAPI, big_shop: Shop, words: str, by_the_words: bool
) -> None:
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, big_shop.tenant_id)
        found = await keywords.keyword_ranked(session, Market.of(MarketFilter(), 1_000), words, 10)

    assert [worded for _, (worded, _) in found] == [by_the_words]


@pytest.mark.parametrize(
    ("words", "by_the_words"),
    [
        pytest.param("filler", [True] * 10, id="the-words-fill-the-page"),
        pytest.param("filller", [False] * 10, id="near-spellings-when-the-words-find-none"),
    ],
)
async def test_the_words_finds_come_before_near_spellings(
    app: FastAPI, big_shop: Shop, words: str, by_the_words: list[bool]
) -> None:
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, big_shop.tenant_id)
        found = await keywords.keyword_ranked(session, Market.of(MarketFilter(), 1_000), words, 10)

    assert [worded for _, (worded, _) in found] == by_the_words


async def test_near_spellings_are_not_looked_for_when_the_words_fill_the_page(
    app: FastAPI, big_shop: Shop
) -> None:
    # given a word thousands of the tenant's products have
    query = keywords.keyword_query(Market.of(MarketFilter(), 1_000), "filler", 10)

    # when the search runs
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, big_shop.tenant_id)
        conn = await session.connection()
        sql = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = (await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")).scalars()

    # then the title words' trigram index is never read: spellings could not make the page
    [trigrams] = [line for line in plan if "ix_product_title_words_word_trgm" in line]
    assert "never executed" in trigrams, trigrams
