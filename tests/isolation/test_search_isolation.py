"""Search across organisations: another tenant's products are never found, never similar,
never recommended, and their embeddings are invisible to the runtime role."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.search import jobs
from bitnexus.search.embedder import Embedder
from tests.conftest import ClientFactory
from tests.factories import Account, invite_and_accept, signup_affiliate, signup_org
from tests.factories import product as _product


@pytest.fixture
async def foreign(make_client: ClientFactory, app: FastAPI, embedder: Embedder) -> dict[str, str]:
    """Organisation B's approved, embedded product about zebra photography."""
    b = await signup_org(make_client())
    vendor = await invite_and_accept(b, make_client(), role="vendor")
    body = _product(title="Zebra photography safari", description="Stripes at sunrise.")
    r = await vendor.client.post("/api/v1/products", json=body, headers=vendor.headers)
    pid = r.json()["id"]
    await b.client.post(
        f"/api/v1/products/{pid}/review",
        json={"decision": "approved", "grade": "A"},
        headers=b.headers,
    )
    await jobs.index_tenant(app.state.db, embedder, uuid.UUID(b.tenant_id))
    return {"id": pid, "tenant_id": b.tenant_id}


@pytest.fixture
async def outsider(make_client: ClientFactory, app: FastAPI, embedder: Embedder) -> Account:
    """Organisation A's affiliate, promoting A's own (similar) product."""
    a = await signup_org(make_client())
    vendor = await invite_and_accept(a, make_client(), role="vendor")
    body = _product(title="Wildlife photography safari", description="Lions at sunrise.")
    r = await vendor.client.post("/api/v1/products", json=body, headers=vendor.headers)
    pid = r.json()["id"]
    await a.client.post(
        f"/api/v1/products/{pid}/review",
        json={"decision": "approved", "grade": "A"},
        headers=a.headers,
    )
    await jobs.index_tenant(app.state.db, embedder, uuid.UUID(a.tenant_id))
    affiliate = await signup_affiliate(make_client(), a.slug)
    await affiliate.client.post(
        "/api/v1/links", json={"product_id": pid}, headers=affiliate.headers
    )
    return affiliate


@pytest.mark.parametrize("query", ["zebra photography safari", "striped horses", "zebar"])
async def test_search_never_finds_another_tenants_products(
    foreign: dict[str, str], outsider: Account, query: str
) -> None:
    r = await outsider.client.get(
        "/api/v1/products/search", params={"q": query}, headers=outsider.headers
    )

    assert r.status_code == 200
    assert foreign["id"] not in [h["product"]["id"] for h in r.json()["items"]]


async def test_similar_and_recommendations_stay_in_the_tenant(
    foreign: dict[str, str], outsider: Account
) -> None:
    c, h = outsider.client, outsider.headers

    similar = await c.get(f"/api/v1/products/{foreign['id']}/similar", headers=h)
    recs = await c.get("/api/v1/me/recommendations", headers=h)

    assert similar.status_code == 404
    assert recs.status_code == 200
    assert foreign["id"] not in [rec["product"]["id"] for rec in recs.json()]


def test_embeddings_are_row_secured(app_engine: Engine, foreign: dict[str, str]) -> None:
    # the runtime role in another tenant (or in none) sees no embedding of B's
    with app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(uuid.uuid4())}
        )
        seen = conn.execute(text("SELECT count(*) FROM product_embeddings")).scalar_one()
    with app_engine.begin() as conn:
        unscoped = conn.execute(text("SELECT count(*) FROM product_embeddings")).scalar_one()
    with app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": foreign["tenant_id"]}
        )
        own = conn.execute(text("SELECT count(*) FROM product_embeddings")).scalar_one()

    assert (seen, unscoped, own) == (0, 0, 1)
