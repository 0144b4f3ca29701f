"""Keyword search reads each word's best products from the term index (`catalog.term_ranking`)
and finds exactly what ranking every product the words match finds; the index follows each
product's words and status, and one tenant's terms stay its own."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import (
    Select,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.engine import Engine

from bitnexus.catalog import keywords, term_ranking
from bitnexus.catalog.repository import Searchable
from bitnexus.catalog.service import Market, MarketFilter
from bitnexus.core.db import set_tenant
from tests.search.conftest import Shop, open_shop

LIMIT = 10
SUBJECTS = ["marathon training", "sourdough baking", "python programming", "acoustic guitar"]
ANGLES = ["for beginners", "advanced", "in 30 days", "the complete"]

# as the benchmark's catalogue: subjects interleaved, every product of a subject worded alike
# (their ranks tie), some saying their subject twice, and angles shared across subjects
FILL = """
INSERT INTO products (id, tenant_id, vendor_id, title, description, category, price_minor,
                      currency, landing_url, status, grade)
SELECT gen_random_uuid(), :tenant, :vendor,
       initcap(s.subject) || ' ' || a.angle || ' #' || n,
       s.subject || CASE WHEN n % 7 = 0 THEN ', all about ' || s.subject ELSE '' END
           || ': step by step.',
       'Cat' || n % 5, 1000, 'USD', 'https://vendor.example/p', 'approved', 'A'
FROM generate_series(1, :count) AS n
JOIN unnest(CAST(:subjects AS text[])) WITH ORDINALITY AS s(subject, k)
  ON s.k = 1 + n % cardinality(CAST(:subjects AS text[]))
JOIN unnest(CAST(:angles AS text[])) WITH ORDINALITY AS a(angle, k)
  ON a.k = 1 + (n / 3) % cardinality(CAST(:angles AS text[]))
"""


@pytest.fixture(scope="module")
async def tied_shop(app: FastAPI, owner_engine: Engine) -> Shop:
    shop = await open_shop(app)
    with owner_engine.begin() as owner:
        owner.execute(
            text(FILL),
            {
                "tenant": shop.tenant_id,
                "vendor": shop.vendor.id,
                "count": 800,
                "subjects": SUBJECTS,
                "angles": ANGLES,
            },
        )
    return shop


def every_match(words: str) -> Select[tuple[uuid.UUID, float]]:
    """The words' best LIMIT products by ranking every approved product they match."""
    p = Searchable
    query = keywords.any_of(words)
    rank = func.ts_rank(p.search_document, query)
    return (
        select(p.id, rank)
        .where(p.status == "approved", p.search_document.bool_op("@@")(query))
        .order_by(rank.desc(), p.id.desc())
        .limit(LIMIT)
    )


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("marathon", id="one-word-hundreds-tie"),
        pytest.param("marathon training", id="two-words-always-together"),
        pytest.param("sourdough sourdough", id="a-word-twice"),
        pytest.param("advanced python", id="words-of-different-subjects"),
        pytest.param("python beginners guitar", id="three-words"),
        pytest.param("beginners", id="a-word-of-every-subject"),
        pytest.param("kayak", id="no-product-has-it"),
        pytest.param("e-mail marathon", id="a-compound-word"),
    ],
)
async def test_keyword_ranking_finds_what_ranking_every_match_finds(
    app: FastAPI, tied_shop: Shop, words: str
) -> None:
    # given a catalogue where many products rank alike for the same words
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, tied_shop.tenant_id)

        # when the search ranks its words, reading the term index first
        found = await keywords.keyword_ranked(
            session, Market.of(MarketFilter(), 1_000), words, LIMIT
        )
        expected = (await session.execute(every_match(words))).all()

    # then the same products, in the same order, with the same ranks
    assert [pid for pid, (worded, _) in found if worded] == [pid for pid, _ in expected]
    assert [score for _, (worded, score) in found if worded] == pytest.approx(
        [score for _, score in expected], abs=1e-6
    )


@pytest.mark.parametrize(
    ("words", "settled"),
    [
        pytest.param("marathon", True, id="one-word-hundreds-tie"),
        pytest.param("marathon training", True, id="two-words-always-together"),
        pytest.param("kayak", True, id="no-product-has-it"),
        pytest.param("e-mail marathon", True, id="a-compound-word-and-its-parts"),
        pytest.param("advanced marathon beginners", False, id="lists-of-words-all-share"),
    ],
)
async def test_the_best_read_first_settle_the_ranking_without_every_match(
    app: FastAPI, tied_shop: Shop, words: str, settled: bool
) -> None:
    # given the products each word ranks best, read from the term index
    query = keywords.any_of(words)
    _, proven = term_ranking.best_first(
        Searchable, [Searchable.status == "approved"], query, bindparam("w", words), LIMIT, "t"
    )

    # when they are weighed against the products no list reached
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, tied_shop.tenant_id)
        outcome = (await session.execute(select(proven))).scalar_one()

    # then ties among hundreds are settled by id; words every subject shares are not
    assert outcome is settled


def term_rows(owner: Engine, product_id: uuid.UUID) -> dict[str, float]:
    with owner.connect() as conn:
        rows = conn.execute(
            text("SELECT lexeme, impact FROM product_search_terms WHERE product_id = :id"),
            {"id": product_id},
        )
        return {r.lexeme: r.impact for r in rows}


def expected_terms(owner: Engine, product_id: uuid.UUID) -> dict[str, float]:
    with owner.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT w, ts_rank(search_document, w::tsquery) AS impact "
                "FROM products, unnest(tsvector_to_array(search_document)) AS w "
                "WHERE id = :id AND status = 'approved'"
            ),
            {"id": product_id},
        )
        return {r.w: r.impact for r in rows}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param("", {"sourdough", "bake"}, id="approved"),
        pytest.param("title = 'Rye loaves'", {"rye", "loav"}, id="retitled"),
        pytest.param("status = 'pending'", set(), id="back-in-review"),
        pytest.param("DELETE", set(), id="deleted"),
    ],
)
async def test_the_term_index_follows_each_products_words_and_status(
    app: FastAPI, tied_shop: Shop, owner_engine: Engine, change: str, words: set[str]
) -> None:
    # given an approved product
    pid = uuid.uuid4()
    with owner_engine.begin() as owner:
        owner.execute(
            text(
                "INSERT INTO products (id, tenant_id, vendor_id, title, description, category,"
                " price_minor, currency, landing_url, status, grade) VALUES (:id, :tenant,"
                " :vendor, 'Sourdough baking', 'It''s a \\ of bread.', 'Food', 1000, 'USD',"
                " 'https://vendor.example/p', 'approved', 'A')"
            ),
            {"id": pid, "tenant": tied_shop.tenant_id, "vendor": tied_shop.vendor.id},
        )

        # when it changes
        if change == "DELETE":
            owner.execute(text("DELETE FROM products WHERE id = :id"), {"id": pid})
        elif change:
            owner.execute(text(f"UPDATE products SET {change} WHERE id = :id"), {"id": pid})

    # then its terms are its document's words, each with its share of the rank
    terms = term_rows(owner_engine, pid)
    assert words <= set(terms)
    assert terms == pytest.approx(expected_terms(owner_engine, pid))


async def test_a_tenant_reads_its_own_terms_only(
    app: FastAPI, tied_shop: Shop, owner_engine: Engine
) -> None:
    # given another organisation, with none of the first one's products
    other = await open_shop(app)

    # when it reads the term index for a word the first one's products have
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, other.tenant_id)
        seen = (
            await session.execute(
                text("SELECT count(*) FROM product_search_terms WHERE lexeme = 'marathon'")
            )
        ).scalar_one()
        found = await keywords.keyword_ranked(
            session, Market.of(MarketFilter(), 1_000), "marathon", LIMIT
        )

    # then it sees none of them
    assert (seen, found) == (0, [])
