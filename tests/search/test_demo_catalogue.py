"""The demo marketplace answers loose descriptions with the right products, and lists them with
what they earn per click once the server has rolled its clicks up."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus import demo
from bitnexus.search import jobs
from bitnexus.search.embedder import Embedder
from bitnexus.tracking import rollups
from tests.factories import login
from tests.search.conftest import own_client


@pytest.fixture(scope="module")
async def acme_affiliate(
    app: FastAPI, embedder: Embedder, owner_engine: Engine
) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """The demo as `make run` serves it (its sales too), embedded, and its affiliate1 logged in."""
    await demo.seed(app.state.db, app.state.settings)
    with owner_engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM tenants WHERE slug IN ('acme', 'globex')"))
        tenant_ids = list(ids.scalars())
    for tenant_id in tenant_ids:
        await jobs.index_tenant(app.state.db, embedder, tenant_id)
    client = own_client(app)
    r = await login(client, "acme", "affiliate1@acme.example", "silver-canyon-otter-64")
    return client, {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("crypto course", "DeFi Trading Masterclass"),
        ("help me fall asleep", "Sleep Better Tonight"),
        ("bake my own bread", "Sourdough at Home"),
        ("get my website found on search engines", "SEO Audit Checklist"),
        ("pay off my credit cards", "Debt Snowball Coaching"),
        ("cook dinner without meat", "Plant-Based Weeknight Dinners"),
    ],
)
async def test_a_loose_description_finds_the_product(
    acme_affiliate: tuple[httpx.AsyncClient, dict[str, str]], query: str, expected: str
) -> None:
    client, headers = acme_affiliate

    # when an affiliate describes what they look for in their own words
    r = await client.get("/api/v1/products/search", params={"q": query}, headers=headers)

    # then the product is among the first three

    titles = [hit["product"]["title"] for hit in r.json()["items"][:3]]
    assert expected in titles


@pytest.mark.parametrize(
    ("path", "with_epc"),
    [
        ("/api/v1/marketplace", True),
        ("/api/v1/marketplace?sort=epc", True),
        ("/api/v1/me/recommendations", False),  # the best earners fill what meaning leaves
    ],
)
async def test_the_demo_marketplace_answers_once_its_clicks_are_rolled_up(
    app: FastAPI,
    acme_affiliate: tuple[httpx.AsyncClient, dict[str, str]],
    path: str,
    with_epc: bool,
) -> None:
    client, headers = acme_affiliate

    # given the demo's settled clicks counted into the hourly rollups, as the server's job does
    await rollups.roll_up(app.state.db)

    # when the affiliate reads the marketplace, or what it recommends
    r = await client.get(path, headers=headers)

    # then products come, the listing's with what they earn per click: the product the demo's
    # sales are of earns, the other clicked one has earned nothing yet, the rest are unclicked
    assert r.status_code == 200, r.text
    body = r.json()
    products = body["items"] if with_epc else [rec["product"] for rec in body]
    assert products
    if with_epc:
        earned = sorted((p["epc_minor"] for p in products if p["epc_minor"] is not None), key=bool)
        assert len(earned) == 2
        assert earned[0] == 0
        assert earned[1] > 0
