"""An embedding carries its product's approval (migration 0050), the flag the nearest-neighbour
scan of an unfiltered search checks: it follows every status change, is taken from the product
when the embedding is written, and a status changed while an embedding is being written is not
lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.db import Database, set_tenant
from bitnexus.search import jobs, repository
from bitnexus.search.embedder import Embedder
from bitnexus.search.models import ProductEmbedding
from bitnexus.search.repository import Stale
from bitnexus.tenants import service as tenants
from tests.factories import product as _product
from tests.search.conftest import Shop, open_shop
from tests.waiting import eventually, waiting_on_a_lock


async def _listed(shop: Shop) -> str:
    r = await shop.vendor.client.post(
        "/api/v1/products", json=_product(), headers=shop.vendor.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


_DECISIONS = {
    "approved": {"decision": "approved", "grade": "A"},
    "rejected": {"decision": "rejected", "reason": "Not for us."},
}


async def _review(shop: Shop, pid: str, decision: str) -> None:
    body = _DECISIONS[decision]
    r = await shop.admin.client.post(
        f"/api/v1/products/{pid}/review", json=body, headers=shop.admin.headers
    )
    assert r.status_code == 200, r.text


async def _edit(shop: Shop, pid: str) -> None:
    r = await shop.vendor.client.put(
        f"/api/v1/products/{pid}", json=_product(price_minor=5_900), headers=shop.vendor.headers
    )
    assert r.status_code == 200, r.text


async def _archive(shop: Shop, pid: str) -> None:
    r = await shop.vendor.client.delete(f"/api/v1/products/{pid}", headers=shop.vendor.headers)
    assert r.status_code == 200, r.text


async def _carried(db: Database, shop: Shop, pid: str) -> bool | None:
    """The approval the product's embedding carries (None: not embedded)."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        return await session.scalar(
            select(ProductEmbedding.approved).where(ProductEmbedding.product_id == uuid.UUID(pid))
        )


async def _found_by_meaning(db: Database, shop: Shop, pid: str) -> bool:
    """Whether the unfiltered nearest-neighbour scan finds the product by its own vector."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        vector = (await repository.vectors_of(session, [uuid.UUID(pid)]))[uuid.UUID(pid)]
        tenant = await tenants.current(session, shop.tenant_id)
        among = catalog.market(MarketFilter(), tenant)
        found = await repository.nearest(session, vector, among, limit=10, max_distance=2.0)
    return uuid.UUID(pid) in {p for p, _ in found}


async def test_the_approval_follows_each_status_change(app: FastAPI, embedder: Embedder) -> None:
    # given a product listed and embedded while it waits for review
    db = app.state.db
    shop = await open_shop(app)
    pid = await _listed(shop)
    assert await jobs.index_tenant(db, embedder, shop.tenant_id) == 1
    assert await _carried(db, shop, pid) is False
    assert not await _found_by_meaning(db, shop, pid)

    # when it is approved, edited (back to review), approved again, then archived,
    # then each step's approval is carried, and the scan finds it only while approved
    steps: list[tuple[Callable[[], Awaitable[None]], bool]] = [
        (lambda: _review(shop, pid, "approved"), True),
        (lambda: _edit(shop, pid), False),
        (lambda: _review(shop, pid, "approved"), True),
        (lambda: _archive(shop, pid), False),
    ]
    for step, approved in steps:
        await step()
        assert await _carried(db, shop, pid) is approved
        assert await _found_by_meaning(db, shop, pid) is approved


async def test_a_rejected_product_is_not_carried_as_approved(
    app: FastAPI, embedder: Embedder
) -> None:
    # given a product approved and embedded
    db = app.state.db
    shop = await open_shop(app)
    pid = await _listed(shop)
    await _review(shop, pid, "approved")
    assert await jobs.index_tenant(db, embedder, shop.tenant_id) == 1

    # then an embedding written after the approval takes it
    assert await _carried(db, shop, pid) is True

    # when it is edited and rejected
    await _edit(shop, pid)
    await _review(shop, pid, "rejected")

    # then it is out of the scan
    assert await _carried(db, shop, pid) is False
    assert not await _found_by_meaning(db, shop, pid)


async def _approve_in_sql(db: Database, shop: Shop, pid: str) -> None:
    """A plain UPDATE of the status, locking nothing first (the review locks the row FOR
    UPDATE, which the embedding's foreign key check alone would hold back)."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        await session.execute(
            text("UPDATE products SET status = 'approved', grade = 'A' WHERE id = :id"),
            {"id": uuid.UUID(pid)},
        )


@pytest.mark.parametrize("by", ["review", "plain update"])
async def test_an_approval_during_the_embedding_is_not_lost(
    app: FastAPI, embedder: Embedder, by: str
) -> None:
    # given a product waiting for review, its embedding being written (not yet committed)
    db = app.state.db
    shop = await open_shop(app)
    pid = await _listed(shop)
    (vector,) = await embedder.encode(["Python for Data Science"])
    async with db.sessionmaker() as writing, writing.begin():
        await set_tenant(writing, shop.tenant_id)
        stale = Stale(uuid.UUID(pid), "", b"written under way")
        await repository.save(writing, shop.tenant_id, [stale], [vector])

        # when the product is approved meanwhile
        approve = (
            _review(shop, pid, "approved") if by == "review" else _approve_in_sql(db, shop, pid)
        )
        approving = asyncio.create_task(approve)

        async def approval_waits() -> bool:
            return await waiting_on_a_lock(db.engine, "%products%") or approving.done()

        await eventually(approval_waits, "the approval waits for the embedding")
        assert not approving.done()  # the embedding's lock holds the status change back
    await approving

    # then the committed embedding carries the approval made after it was written
    assert await _carried(db, shop, pid) is True
    assert await _found_by_meaning(db, shop, pid)
