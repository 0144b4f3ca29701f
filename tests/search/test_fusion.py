"""Reciprocal rank fusion, as the page statement does it: products both retrievers find rise;
keyword ties do not depend on product ids; a product too far in meaning is found by words
alone; the page is read in its fused order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.db import configure, set_tenant
from bitnexus.search import repository
from bitnexus.search.repository import Hit, Stale
from bitnexus.search.service import CANDIDATES, MAX_DISTANCE, RRF_K, ranks
from bitnexus.tenants import service as tenants
from tests.search.catalogue import Item
from tests.search.conftest import Shop, open_shop, stock

DIM = 384
# the query, and how far each product is from it in meaning (cosine distance)
QUERY = [1.0] + [0.0] * (DIM - 1)
DISTANCE = {"A": 1.0, "B": 0.3, "C": 0.1, "D": 0.2}  # A: unrelated (beyond MAX_DISTANCE)


def _at(distance: float) -> list[float]:
    """A unit vector at `distance` (cosine) from QUERY."""
    similarity = 1 - distance
    return [similarity, (1 - similarity**2) ** 0.5] + [0.0] * (DIM - 2)


@pytest.fixture
async def four(app: FastAPI) -> Shop:
    """Products A–D, their embeddings at DISTANCE from QUERY."""
    shop = await open_shop(app)
    await stock(
        app.state.db, shop, [Item(k, f"Product {k}", "", "Tests", [], 1_000) for k in "ABCD"]
    )
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        rows = [Stale(shop.ids[k], "", b"made to measure") for k in DISTANCE]
        await repository.save(session, shop.tenant_id, rows, [_at(d) for d in DISTANCE.values()])
    return shop


async def _page(
    app: FastAPI,
    shop: Shop,
    keyword: dict[uuid.UUID, int],
    vector: Sequence[float] | None,
    limit: int = 10,
    filters: MarketFilter = MarketFilter(),
    plans: list[tuple[str, str]] | None = None,
) -> list[Hit]:
    async def embedded() -> Sequence[float]:
        await asyncio.sleep(0)  # still being computed as the statement is built
        assert vector is not None
        return vector

    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        market = catalog.market(filters, await tenants.current(session, shop.tenant_id))
        await configure(session, repository.plan(filters, CANDIDATES))  # as a search does
        hits = await repository.page(
            session,
            market,
            catalog.shown_rows(),
            keyword,
            None if vector is None else embedded(),
            rrf_k=RRF_K,
            depth=CANDIDATES,
            limit=limit,
            max_distance=MAX_DISTANCE,
        )
        if plans is not None:
            settings = text(
                "SELECT current_setting('plan_cache_mode'), current_setting('hnsw.ef_search')"
            )
            plans.append(tuple((await session.execute(settings)).one()))
        return hits


def _named(shop: Shop, hits: list[Hit]) -> list[tuple[str, bool, bool]]:
    name = {pid: key for key, pid in shop.ids.items()}
    return [(name[h.shown.product.id], h.by_words, h.by_meaning) for h in hits]


A, B, C = (uuid.UUID(int=n) for n in (3, 2, 1))  # ids in the opposite order to names


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        pytest.param([(A, 0.9), (B, 0.5), (C, 0.1)], {A: 1, B: 2, C: 3}, id="distinct"),
        pytest.param([(A, 0.5), (B, 0.5), (C, 0.1)], {A: 1, B: 1, C: 3}, id="tie"),
        pytest.param([], {}, id="none"),
    ],
)
def test_equal_keyword_scores_share_a_rank(
    scored: list[tuple[uuid.UUID, float]], expected: dict[uuid.UUID, int]
) -> None:
    assert ranks(scored) == expected


async def test_meaning_orders_what_keywords_cannot_tell_apart(app: FastAPI, four: Shop) -> None:
    # given three products equally good by keywords, two of them near the query in meaning
    keyword = {four.ids[k]: 1 for k in "ABC"}

    # when the page is fused
    hits = await _page(app, four, keyword, QUERY)

    # then the ones found both ways come first, nearest first; then by words alone (A is too
    # far in meaning), then by meaning alone; each says how, and scores Σ 1 / (RRF_K + rank)
    assert _named(four, hits) == [
        ("C", True, True),
        ("B", True, True),
        ("A", True, False),
        ("D", False, True),
    ]
    both = [1 / (RRF_K + 1) + 1 / (RRF_K + 1), 1 / (RRF_K + 1) + 1 / (RRF_K + 3)]
    assert [h.score for h in hits] == [*both, 1 / (RRF_K + 1), 1 / (RRF_K + 2)]


async def test_without_a_vector_the_words_alone_rank(app: FastAPI, four: Shop) -> None:
    # given keyword ranks with a tie
    keyword = {four.ids["D"]: 1, four.ids["B"]: 2, four.ids["A"]: 2}

    # when the page is fused without an embedding
    hits = await _page(app, four, keyword, None)

    # then it is the keyword ranking, a tie in the order of the ids' text
    tied = sorted(["A", "B"], key=lambda k: str(four.ids[k]))
    assert _named(four, hits) == [("D", True, False), *[(k, True, False) for k in tied]]


async def test_the_page_is_cut_after_fusion_and_read_whole(app: FastAPI, four: Shop) -> None:
    # when a page of two is asked for, with no keyword match
    hits = await _page(app, four, {}, QUERY, limit=2)

    # then it holds the two nearest, each read as the product's own reads show it
    assert _named(four, hits) == [("C", False, True), ("D", False, True)]
    assert [h.shown.product.title for h in hits] == ["Product C", "Product D"]
    assert all(h.shown.vendor_name for h in hits)


@pytest.mark.parametrize(
    ("filters", "plan"),
    [
        pytest.param(MarketFilter(), "force_generic_plan", id="unfiltered"),
        pytest.param(MarketFilter(category="Tests"), "force_custom_plan", id="category"),
        pytest.param(MarketFilter(min_price=500, max_price=2_000), "force_custom_plan", id="price"),
    ],
)
async def test_only_a_filtered_page_is_planned_for_its_values(
    app: FastAPI, four: Shop, filters: MarketFilter, plan: str
) -> None:
    # when a page is read with or without a filter whose selectivity varies by value
    plans: list[tuple[str, str]] = []
    hits = await _page(app, four, {}, QUERY, filters=filters, plans=plans)

    # then an unfiltered page runs a plan made once, a filtered one a plan for its values
    # (a rare category is better scanned exactly than through the index), either keeping as
    # many candidates as the nearest it returns; both find the same
    assert plans == [(plan, str(CANDIDATES))]
    assert _named(four, hits) == [("C", False, True), ("D", False, True), ("B", False, True)]
