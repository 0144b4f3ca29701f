"""A word the catalogue does not have is corrected to the tenant's title words it nearly spells
(`catalog.keywords`, migration 0049): which words correct to which, where their products rank,
how the words follow the titles, and one tenant's words stay its own."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import literal, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from bitnexus.catalog import keywords
from bitnexus.catalog.service import Market, MarketFilter
from bitnexus.core.db import set_tenant
from tests.search.conftest import Shop, open_shop

TITLES = [
    "Machine learning models",
    "Python programming for beginners",
    "Keto meal plans",
    "Vegetarian meal prep",
    "Instagram growth hacks",
    "Sourdough bread at home",
    "Espresso 101",
]

INSERT = """
INSERT INTO products (id, tenant_id, vendor_id, title, description, category, price_minor,
                      currency, landing_url, status, grade)
VALUES (:id, :tenant, :vendor, :title, 'Step by step.', 'Courses', 1000, 'USD',
        'https://vendor.example/p', :status, 'A')
"""


def add_product(owner: Engine, shop: Shop, title: str, status: str = "approved") -> uuid.UUID:
    pid = uuid.uuid4()
    with owner.begin() as conn:
        conn.execute(
            text(INSERT),
            {
                "id": pid,
                "tenant": shop.tenant_id,
                "vendor": shop.vendor.id,
                "title": title,
                "status": status,
            },
        )
    return pid


@pytest.fixture(scope="module")
async def titled_shop(app: FastAPI, owner_engine: Engine) -> Shop:
    shop = await open_shop(app)
    for title in TITLES:
        shop.ids[title] = add_product(owner_engine, shop, title)
    return shop


async def spellings(app: FastAPI, tenant_id: uuid.UUID, words: str) -> set[str]:
    """The title words the runtime role, in the tenant, corrects `words` to."""
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        found = (await session.execute(select(keywords.spellings(literal(words))))).scalar_one()
    return set((found or "").split())


def title_words(owner: Engine, tenant_id: uuid.UUID) -> set[str]:
    with owner.connect() as conn:
        rows = conn.execute(
            text("SELECT word FROM product_title_words WHERE tenant_id = :t"), {"t": tenant_id}
        )
        return set(rows.scalars())


@pytest.mark.parametrize(
    ("words", "corrected"),
    [
        pytest.param("machne lerning", {"machine", "learning"}, id="a-letter-missing-in-each"),
        pytest.param("progamming", {"programming"}, id="a-letter-missing"),
        pytest.param("Pythonn", {"python"}, id="a-letter-too-many-any-case"),
        pytest.param("sourdough breads", set(), id="words-the-catalogue-has"),
        pytest.param("the for", set(), id="stop-words"),
        pytest.param("meat", set(), id="not-another-word-meal"),
        pytest.param("prepare", set(), id="not-a-shorter-word-prep"),
        pytest.param("grow", set(), id="not-a-longer-word-growth"),
        pytest.param("bred", set(), id="not-a-word-two-letters-off"),
        pytest.param("101", set(), id="numbers-are-not-words"),
        pytest.param("kayak", set(), id="nothing-near"),
        pytest.param("", set(), id="no-words"),
    ],
)
async def test_a_word_is_corrected_to_the_title_words_it_nearly_spells(
    app: FastAPI, titled_shop: Shop, words: str, corrected: set[str]
) -> None:
    assert await spellings(app, titled_shop.tenant_id, words) == corrected


@pytest.mark.parametrize(
    "filters",
    [
        pytest.param(MarketFilter(), id="the-whole-marketplace"),
        pytest.param(MarketFilter(category="Courses", max_price=5_000), id="filtered"),
    ],
)
async def test_products_of_a_correction_come_after_the_words_own(
    app: FastAPI, titled_shop: Shop, filters: MarketFilter
) -> None:
    # given a search with a word a title has and a misspelt one
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, titled_shop.tenant_id)

        # when the words find less than a page
        found = await keywords.keyword_ranked(
            session, Market.of(filters, 1_000), "keto pythonn", 10
        )

    # then the product the words find leads, and the corrected word's follows, once each
    assert [(pid, worded) for pid, (worded, _) in found] == [
        (titled_shop.ids["Keto meal plans"], True),
        (titled_shop.ids["Python programming for beginners"], False),
    ]


@pytest.mark.parametrize(
    ("status", "change", "kept"),
    [
        pytest.param("approved", "", {"kayak", "touring"}, id="approved"),
        pytest.param("pending", "", set(), id="in-review"),
        pytest.param("pending", "status = 'approved'", {"kayak", "touring"}, id="approved-later"),
        pytest.param(
            "approved", "title = 'Canoe touring'", {"kayak", "canoe", "touring"}, id="retitled"
        ),
    ],
)
async def test_the_title_words_follow_approved_titles(
    app: FastAPI, owner_engine: Engine, status: str, change: str, kept: set[str]
) -> None:
    # given a product of a new organisation
    shop = await open_shop(app)
    pid = add_product(owner_engine, shop, "Kayak touring", status)

    # when it changes
    if change:
        with owner_engine.begin() as conn:
            conn.execute(text(f"UPDATE products SET {change} WHERE id = :id"), {"id": pid})

    # then the words of the titles it had while approved are the organisation's title words
    assert title_words(owner_engine, shop.tenant_id) == kept


async def test_a_tenant_corrects_to_its_own_title_words_only(
    app: FastAPI, titled_shop: Shop
) -> None:
    # given another organisation, with none of the first one's products
    other = await open_shop(app)

    # when it searches a misspelling of the first one's title word
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, other.tenant_id)
        seen = (
            await session.execute(text("SELECT count(*) FROM product_title_words"))
        ).scalar_one()
        found = await keywords.keyword_ranked(
            session, Market.of(MarketFilter(), 1_000), "pythonn", 10
        )

    # then it sees none of the first one's words, nor is corrected to them
    assert (seen, found) == (0, [])
    assert await spellings(app, other.tenant_id, "pythonn") == set()


async def test_the_runtime_role_cannot_write_title_words(app: FastAPI, titled_shop: Shop) -> None:
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, titled_shop.tenant_id)
        with pytest.raises(ProgrammingError, match="permission denied"):
            await session.execute(
                text("INSERT INTO product_title_words (tenant_id, word) VALUES (:t, 'spam')"),
                {"t": titled_shop.tenant_id},
            )
