"""A tenant with a small share of the HNSW index, which holds every tenant's embeddings in one
graph, has its nearest products computed one at a time: picked out of the graph, they took
a walk through the other tenants' products (138 ms for 300 beside 100,000)."""

from __future__ import annotations

import random

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.db import configure, set_tenant
from bitnexus.search import repository, service
from bitnexus.search.repository import IndexShare, Stale
from bitnexus.tenants import service as tenants
from tests.search.catalogue import Item
from tests.search.conftest import Shop, open_shop, plan_of, plans_made, stock, unit_vector

DEPTH = service.CANDIDATES


@pytest.mark.parametrize(
    ("own", "index", "exact"),
    [
        (100_000, 100_300, False),  # the graph is the tenant's own
        (40, 68, False),  # most of a small graph
        (300, 100_300, True),  # 300 beside 100,000: a walk of 16,700 entries
        (2_000, 100_000, True),
        (10_000, 100_000, False),  # a tenth: 500 entries against 10,000 distances
        (50_000, 10_000_000, True),  # the walk stops at 20,000 entries, short of its 50
        (200_000, 10_000_000, False),
        (0, 1_000, True),  # nothing embedded: nothing to compute
    ],
)
def test_the_nearest_are_computed_when_the_index_walk_would_cost_more(
    own: int, index: int, exact: bool
) -> None:
    assert repository.exactly(IndexShare(own=own, index=index), DEPTH) is exact


async def _embed(app: FastAPI, shop: Shop, items: list[Item], vector: list[list[float]]) -> None:
    await stock(app.state.db, shop, items)
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        rows = [Stale(shop.ids[i.key], "", b"made to measure") for i in items]
        await repository.save(session, shop.tenant_id, rows, vector)


async def test_a_small_tenant_beside_a_big_one_gets_its_own_nearest_computed(
    app: FastAPI, owner_engine: Engine
) -> None:
    # given a big shop's 1,500 products and a small shop's 20, all near the query
    noise = random.Random(11)
    big, small = await open_shop(app), await open_shop(app)
    bulk = [Item(f"big/{i}", f"Big {i}", "", "Bulk", [], 1_000) for i in range(1_500)]
    await _embed(app, big, bulk, [unit_vector({0: 1.0}, noise) for _ in bulk])
    own = [Item(f"small/{i}", f"Small {i}", "", "Own", [], 1_000) for i in range(20)]
    vectors = [unit_vector({0: 1.0, 1: 0.05 * i}, noise) for i in range(20)]
    await _embed(app, small, own, vectors)
    with owner_engine.begin() as conn:  # as autovacuum would (the table's owner)
        conn.execute(text("ANALYZE product_embeddings"))

    # when the small shop searches by meaning
    query = unit_vector({0: 1.0})
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, small.tenant_id)
        share = await repository.index_share(session)
        exact = await service.exact_for(session, small.tenant_id, DEPTH)
        await configure(session, repository.plan(MarketFilter(), DEPTH))  # as a search does
        market = catalog.market(MarketFilter(), await tenants.current(session, small.tenant_id))
        hits = await repository.page(
            session,
            market,
            catalog.shown_rows(),
            {},
            _ready(query),
            rrf_k=service.RRF_K,
            depth=DEPTH,
            limit=10,
            max_distance=service.MAX_DISTANCE,
            exact=exact,
        )
        statement, values = repository.page_query(
            market,
            catalog.shown_rows(),
            {},
            semantic=True,
            rrf_k=service.RRF_K,
            depth=DEPTH,
            limit=10,
            max_distance=service.MAX_DISTANCE,
            exact=exact,
        )
        values["query"] = query
        plan = await plan_of(session, statement, values)  # the statement the search ran
        page_plans = await plans_made(session, statement)

    # and when it asks for the products nearest to one (similar products, recommendations)
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, small.tenant_id)
        await configure(session, repository.plan(MarketFilter(), DEPTH))  # as a search does
        nearest = await repository.nearest(
            session, query, market, limit=10, max_distance=service.MAX_DISTANCE, exact=exact
        )
        statement, _ = repository.nearest_query(market, limit=10, exact=exact)
        nearest_plans = await plans_made(session, statement)

    # then its share is counted, its nearest are computed, not walked to through the graph
    assert share.own == 20
    assert share.index >= 1_520
    assert exact == repository.Exact(small.tenant_id)
    assert "ix_product_embeddings_embedding" not in plan
    # planned for its own values, its rows read by its key (a plan for any tenant would not
    # know which rows are its; the connection may have run the statement for other tests)
    for generic, custom in (page_plans, nearest_plans):
        assert generic == 0
        assert custom >= 1
    assert f"Index Cond: (tenant_id = '{small.tenant_id}'::uuid)" in plan
    # and they are its own ten nearest, nearest first, on the page and alone
    by_distance = sorted(
        range(20), key=lambda i: -sum(a * b for a, b in zip(query, vectors[i], strict=True))
    )
    expected = [small.ids[f"small/{i}"] for i in by_distance[:10]]
    assert [h.shown.product.id for h in hits] == expected
    assert [pid for pid, _ in nearest] == expected


async def _ready(vector: list[float]) -> list[float]:
    return vector
