"""GET /products/search: why each result matched, the marketplace filters, bad input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psutil
import pytest
from fastapi import FastAPI

from bitnexus.search.embedder import Embedder
from tests.conftest import ClientFactory
from tests.factories import Account, invite_and_accept, png, signup_affiliate, signup_org
from tests.factories import product as _product
from tests.search.conftest import Shop, SpyEmbedder

SEARCH = "/api/v1/products/search"


async def _search(who: Account, **params: Any) -> list[dict[str, Any]]:
    r = await who.client.get(SEARCH, params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


@pytest.mark.parametrize(
    ("query", "title", "match"),
    [
        pytest.param(
            "Sourdough bread masterclass", "Sourdough bread masterclass", "both", id="both"
        ),
        pytest.param("a loaf with a crunchy crust", "Artisan loaves", "semantic", id="semantic"),
    ],
)
async def test_each_result_says_why_it_matched(
    shop: Shop, query: str, title: str, match: str
) -> None:
    # when a query matches a product by its words, its meaning, or both
    hits = await _search(shop.affiliate, q=query)

    # then the product says which (found by keyword alone: see the test below)
    found = next(h for h in hits if h["product"]["title"].startswith(title))
    assert found["match"] == match


@pytest.mark.parametrize(
    "filters",
    [
        pytest.param({"category": "Health"}, id="category"),
        pytest.param({"min_price": 15_000, "max_price": 18_000}, id="price-range"),
        pytest.param({"min_commission": 4_000}, id="commission"),
        pytest.param({"category": "Cooking", "max_price": 12_000}, id="category-and-price"),
    ],
)
async def test_filters_apply_and_still_fill_the_page(shop: Shop, filters: dict[str, Any]) -> None:
    # given a query that means something to many products, and a filter few of them pass
    query = "improve my skills step by step"

    # when searching with the filter
    hits = await _search(shop.affiliate, q=query, limit=8, **filters)

    # then every result passes it, and the page is full
    assert len(hits) == 8
    for hit in hits:
        p = hit["product"]
        assert p["category"] == filters.get("category", p["category"])
        assert filters.get("min_price", 0) <= p["price_minor"] <= filters.get("max_price", 10**12)
        assert p["commission"]["per_sale_minor"] >= filters.get("min_commission", 0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({"currency": "USD", "min_price": 4_000}, {"usd-a", "usd-c"}, id="currency"),
        pytest.param({"currency": "EUR", "max_price": 6_000}, {"eur-a"}, id="other-currency"),
        pytest.param({"grade": ["A"]}, {"usd-a", "eur-a"}, id="grade"),
        pytest.param({"grade": ["A", "C"], "currency": "USD"}, {"usd-a", "usd-c"}, id="both"),
    ],
)
async def test_a_search_keeps_to_the_currency_and_grades_asked(
    make_client: ClientFactory, filters: dict[str, Any], expected: set[str]
) -> None:
    # given kite products alike but for their currency and grade, priced 50.00 each
    shop = await _fresh_shop(make_client)
    made = {
        key: await _approved(
            shop, f"Kite surfing {key}", "Waves.", grade=grade, currency=cur, price_minor=5_000
        )
        for key, cur, grade in [("usd-a", "USD", "A"), ("eur-a", "EUR", "A"), ("usd-c", "USD", "C")]
    }

    # when an affiliate searches them with amounts in one currency, or for some grades
    hits = await _search(shop.affiliate, q="kite surfing", **filters)

    # then only the products of that currency, those grades, are found
    key_of = {pid: key for key, pid in made.items()}
    assert {key_of[h["product"]["id"]] for h in hits} == expected


async def test_products_are_found_by_keyword_before_their_embedding(
    make_client: ClientFactory,
) -> None:
    # given a product approved a moment ago, which the indexer has not embedded yet
    shop = await _fresh_shop(make_client)
    pid = await _approved(shop, "Quokka photography field guide", "Marsupials at dawn.")

    # when an affiliate searches its words
    hits = await _search(shop.affiliate, q="quokka")

    # then it is there, found by keyword
    assert [(h["product"]["id"], h["match"]) for h in hits] == [(pid, "keyword")]


async def test_a_result_shows_the_product_as_its_own_page_does(
    make_client: ClientFactory,
) -> None:
    # given an approved product with images, which search reads in one statement
    shop = await _fresh_shop(make_client)
    pid = await _approved(
        shop, "Axolotl aquarium keeping", "Cold water, soft light.", images=[(64, 48), (32, 32)]
    )

    # when an affiliate finds it, and opens it
    [hit] = await _search(shop.affiliate, q="axolotl")
    page = await shop.affiliate.client.get(
        f"/api/v1/products/{pid}", headers=shop.affiliate.headers
    )

    # then the result is the product as its page shows it: vendor, images in order, terms
    assert hit["product"] == page.json()
    assert hit["product"]["vendor_name"]
    assert [(i["width"], i["height"]) for i in hit["product"]["images"]] == [(64, 48), (32, 32)]


@pytest.mark.parametrize(
    ("headers", "embedded"),
    [
        pytest.param({}, [], id="no-token"),
        pytest.param({"Authorization": "Bearer not.a.token"}, [], id="forged-token"),
        pytest.param(None, ["unicorn grooming"], id="affiliate"),
    ],
)
async def test_only_a_valid_token_sets_the_model_to_work(
    app: FastAPI,
    embedder: Embedder,
    make_client: ClientFactory,
    headers: dict[str, str] | None,
    embedded: list[str],
) -> None:
    # given the app's model behind a spy, and a caller with or without a valid token
    shop = await _fresh_shop(make_client)
    spy, original = SpyEmbedder(embedder), app.state.embedder
    app.state.embedder = spy
    try:
        # when the caller searches (the query starts embedding before the caller is read)
        r = await shop.affiliate.client.get(
            SEARCH,
            params={"q": "  unicorn   grooming "},
            headers=shop.affiliate.headers if headers is None else headers,
        )
    finally:
        app.state.embedder = original

    # then only a verified token's query reached the model, its words tidied
    assert r.status_code == (200 if headers is None else 401)
    assert [text for call in spy.calls for text in call] == embedded


async def test_while_the_model_is_down_a_search_answers_by_words_alone(
    app: FastAPI, shop: Shop
) -> None:
    # given the app's model, whose process was killed (out of memory, say)
    own, original = Embedder(1), app.state.embedder
    await own.encode(["warm up"])
    assert own.pid is not None
    psutil.Process(own.pid).kill()
    app.state.embedder = own
    try:
        # when an affiliate searches, and searches again
        first, again = [
            await shop.affiliate.client.get(
                SEARCH, params={"q": "a loaf with a crunchy crust"}, headers=shop.affiliate.headers
            )
            for _ in range(2)
        ]
    finally:
        app.state.embedder = original
        own.close()

    # then the first search is answered by its words alone, and says so; the next one, by a
    # model started again, finds by meaning too
    assert first.status_code == 200, first.text
    assert first.json()["semantic"] is False
    assert {h["match"] for h in first.json()["items"]} <= {"keyword"}
    assert again.status_code == 200, again.text
    assert again.json()["semantic"] is True
    assert "semantic" in {h["match"] for h in again.json()["items"]}


async def _approved(
    shop: Shop,
    title: str,
    description: str,
    images: Sequence[tuple[int, int]] = (),
    grade: str = "A",
    **fields: Any,
) -> str:
    """A product the shop's vendor lists (with images of these sizes, and any other `fields`)
    and its admin approves with `grade`; its id."""
    body = _product(title=title, description=description, **fields)
    r = await shop.vendor.client.post("/api/v1/products", json=body, headers=shop.vendor.headers)
    pid = str(r.json()["id"])
    for size in images:
        r = await shop.vendor.client.post(
            f"/api/v1/products/{pid}/images",
            files={"file": ("a.png", png(*size), "image/png")},
            headers=shop.vendor.headers,
        )
        assert r.status_code == 201, r.text
    r = await shop.admin.client.post(
        f"/api/v1/products/{pid}/review",
        json={"decision": "approved", "grade": grade},
        headers=shop.admin.headers,
    )
    assert r.status_code == 200, r.text
    return pid


async def _fresh_shop(make_client: ClientFactory) -> Shop:
    admin = await signup_org(make_client())
    vendor = await invite_and_accept(admin, make_client(), role="vendor")
    affiliate = await signup_affiliate(make_client(), admin.slug)
    return Shop(admin, vendor, affiliate, {})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({}, "q", id="no-query"),
        pytest.param({"q": ""}, "q", id="empty"),
        pytest.param({"q": "   "}, "q", id="blank"),
        pytest.param({"q": "x" * 201}, "q", id="too-long"),
        pytest.param({"q": "yoga", "min_price": -1}, "min_price", id="negative-price"),
        pytest.param({"q": "yoga", "min_price": "cheap"}, "min_price", id="not-a-number"),
        pytest.param({"q": "yoga", "limit": 0}, "limit", id="limit-zero"),
        pytest.param({"q": "yoga", "limit": 51}, "limit", id="limit-too-big"),
        pytest.param({"q": "yoga", "category": "c" * 61}, "category", id="long-category"),
        pytest.param({"q": "yoga", "currency": "US"}, "currency", id="not-a-currency"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(
    make_client: ClientFactory, params: dict[str, Any], field: str
) -> None:
    # given an affiliate
    shop = await _fresh_shop(make_client)

    # when the search is asked something it cannot answer
    r = await shop.affiliate.client.get(SEARCH, params=params, headers=shop.affiliate.headers)

    # then a problem+json 422 names the parameter
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"].split(".")[-1] for e in r.json()["errors"]]


async def test_search_needs_a_login(make_client: ClientFactory) -> None:
    r = await make_client().get(SEARCH, params={"q": "yoga"})

    assert r.status_code == 401
