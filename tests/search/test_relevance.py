"""Relevance: over 300 generated products and 33 queries worded unlike the products (synonyms,
loose descriptions, misspellings), hybrid search finds more of the right products, and ranks
them higher, than keyword search alone."""

from __future__ import annotations

import uuid
from statistics import mean

import pytest
from fastapi import FastAPI

from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.db import set_tenant
from bitnexus.tenants import service as tenants
from tests.search.catalogue import QUERIES, relevant
from tests.search.conftest import Shop
from tests.search.metrics import ndcg_at, recall_at


async def _hybrid(shop: Shop, query: str) -> list[uuid.UUID]:
    r = await shop.affiliate.client.get(
        "/api/v1/products/search",
        params={"q": query, "limit": 10},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 200, r.text
    return [uuid.UUID(hit["product"]["id"]) for hit in r.json()["items"]]


async def _keywords(app: FastAPI, shop: Shop, query: str) -> list[uuid.UUID]:
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        tenant = await tenants.current(session, shop.tenant_id)
        among = catalog.market(MarketFilter(), tenant)
        found = await catalog.keyword_ranked(session, among, query, 10)
        return [pid for pid, _ in found]


async def test_hybrid_beats_keywords_on_recall_and_ndcg(app: FastAPI, shop: Shop) -> None:
    # given the catalogue's keys by product id
    key_of = {pid: key for key, pid in shop.ids.items()}
    scores: dict[str, list[tuple[float, float]]] = {"hybrid": [], "keyword": []}

    # when every query runs both ways
    for query, topic in QUERIES:
        expected = relevant(topic)
        for name, ranked in (
            ("hybrid", await _hybrid(shop, query)),
            ("keyword", await _keywords(app, shop, query)),
        ):
            keys = [key_of[pid] for pid in ranked]
            scores[name].append((recall_at(10, keys, expected), ndcg_at(10, keys, expected)))

    # then hybrid wins on both measures, and finds most of what it should
    hybrid_recall = mean(r for r, _ in scores["hybrid"])
    hybrid_ndcg = mean(n for _, n in scores["hybrid"])
    keyword_recall = mean(r for r, _ in scores["keyword"])
    keyword_ndcg = mean(n for _, n in scores["keyword"])
    print(
        f"recall@10 {hybrid_recall:.3f} vs {keyword_recall:.3f}; nDCG@10 {hybrid_ndcg:.3f} vs {keyword_ndcg:.3f}"
    )
    assert hybrid_recall > keyword_recall
    assert hybrid_ndcg > keyword_ndcg
    assert hybrid_recall >= 0.6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("crypto course", "DeFi trading", id="synonym"),
        pytest.param("cryptocurency investing", "Ethereum token investing", id="misspelt"),
        pytest.param("machne lerning", "Machine learning models", id="misspelt-both-words"),
        pytest.param("bake bread at home", "Sourdough bread", id="loose-description"),
    ],
)
async def test_other_words_still_find_the_product(shop: Shop, query: str, expected: str) -> None:
    # when a shopper searches in words the product does not use
    r = await shop.affiliate.client.get(
        "/api/v1/products/search", params={"q": query}, headers=shop.affiliate.headers
    )

    # then the product is in the first results
    titles = [hit["product"]["title"] for hit in r.json()["items"][:10]]
    assert any(t.startswith(expected) for t in titles), titles
