"""Nearest neighbours under a filter few products pass still fill the page: the HNSW scan
goes on past its first candidates (pgvector's iterative index scan) instead of returning the
few of them that pass."""

from __future__ import annotations

import random
import uuid

from fastapi import FastAPI
from sqlalchemy import text

from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.db import set_tenant
from bitnexus.search import repository
from bitnexus.search.repository import Stale
from bitnexus.tenants import service as tenants
from tests.search.catalogue import Item
from tests.search.conftest import open_shop, plan_of, stock, unit_vector


async def test_a_rare_category_still_fills_the_page(app: FastAPI) -> None:
    # given 1,000 products near the query and 30 of a rare category far from it (but not
    # unrelated), with embeddings made to measure
    shop = await open_shop(app)
    bulk = [Item(f"bulk/{i}", f"Bulk item {i}", "", "Bulk", [], 1_000) for i in range(1_000)]
    rare = [Item(f"rare/{i}", f"Rare item {i}", "", "Rare", [], 1_000) for i in range(30)]
    await stock(app.state.db, shop, bulk + rare)
    noise = random.Random(7)
    vectors = {
        **{shop.ids[b.key]: unit_vector({0: 1.0}, noise) for b in bulk},
        **{shop.ids[r.key]: unit_vector({0: 0.3, 1: 0.6}, noise) for r in rare},
    }
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        rows = [Stale(pid, "", b"made to measure") for pid in vectors]
        await repository.save(session, shop.tenant_id, rows, list(vectors.values()))
        await session.execute(text("ANALYZE product_embeddings"))

    # when the 20 nearest rare products are asked for
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        tenant = await tenants.current(session, shop.tenant_id)
        among = catalog.market(MarketFilter(category="Rare"), tenant)
        # a big catalogue's plan: the planner walks the HNSW index whenever it expects the
        # filter to keep many rows; this one is small, so it is told to
        await session.execute(text("SET LOCAL enable_sort = off"))
        found = await repository.nearest(
            session, unit_vector({0: 1.0}), among, limit=20, max_distance=1.0
        )
        statement, values = repository.nearest_query(among, limit=20)
        plan = await plan_of(session, statement, {**values, "query": unit_vector({0: 1.0})})

    # then there are 20, all rare, found through the index (not by computing every distance)
    assert "ix_product_embeddings_embedding" in plan
    rare_ids = {shop.ids[r.key] for r in rare}
    assert len(found) == 20
    assert {pid for pid, _ in found} <= rare_ids
    assert [d for _, d in found] == sorted(d for _, d in found)
    assert all(isinstance(pid, uuid.UUID) for pid, _ in found)
