"""Similar products and an affiliate's recommendations."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI

from tests.commissions.support import api_key, settings
from tests.factories import BROWSER, bearer, signup_affiliate
from tests.search.catalogue import relevant
from tests.search.conftest import Shop, open_shop, own_client


async def test_similar_products_are_about_the_same_thing(shop: Shop) -> None:
    # given a DeFi product
    pid = shop.ids["defi/0"]

    # when its similar products are asked for
    r = await shop.affiliate.client.get(
        f"/api/v1/products/{pid}/similar", params={"limit": 5}, headers=shop.affiliate.headers
    )

    # then they are other products of its topic, never itself
    assert r.status_code == 200, r.text
    key_of = {str(v): k for k, v in shop.ids.items()}
    keys = [key_of[rec["product"]["id"]] for rec in r.json()]
    assert len(keys) == 5
    assert "defi/0" not in keys
    assert set(keys) <= relevant("defi")


async def test_recommendations_follow_what_an_affiliate_promotes(app: FastAPI, shop: Shop) -> None:
    # given an affiliate promoting two yoga products
    affiliate = await signup_affiliate(own_client(app), shop.admin.slug)
    promoted = {shop.ids["yoga/0"], shop.ids["yoga/3"]}
    for pid in promoted:
        r = await affiliate.client.post(
            "/api/v1/links", json={"product_id": str(pid)}, headers=affiliate.headers
        )
        assert r.status_code == 201, r.text

    # when they ask what to promote next
    r = await affiliate.client.get(
        "/api/v1/me/recommendations", params={"limit": 6}, headers=affiliate.headers
    )

    # then they get more of the same, none they already promote
    assert r.status_code == 200, r.text
    recs = r.json()
    key_of = {str(v): k for k, v in shop.ids.items()}
    keys = [key_of[rec["product"]["id"]] for rec in recs]
    assert len(keys) == 6
    assert not {str(p) for p in promoted} & {rec["product"]["id"] for rec in recs}
    assert {rec["reason"] for rec in recs} == {"similar"}
    assert len(set(keys) & relevant("yoga")) >= 5


async def test_a_new_affiliate_gets_the_best_earners(app: FastAPI, shop: Shop) -> None:
    # given an affiliate who promotes nothing yet
    affiliate = await signup_affiliate(own_client(app), shop.admin.slug)

    # when they ask what to promote
    r = await affiliate.client.get(
        "/api/v1/me/recommendations", params={"limit": 4}, headers=affiliate.headers
    )

    # then they get the organisation's products ranked by earnings per click
    assert r.status_code == 200, r.text
    assert [rec["reason"] for rec in r.json()] == ["top_earner"] * 4


async def test_recommendations_are_for_affiliates(shop: Shop) -> None:
    r = await shop.vendor.client.get("/api/v1/me/recommendations", headers=shop.vendor.headers)

    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_product_not_indexed_yet_has_no_similar_products(app: FastAPI) -> None:
    # given a product approved a moment ago, before the indexer's pass
    shop = await open_shop(app)
    vendor = shop.vendor
    r = await vendor.client.post(
        "/api/v1/products",
        json={
            "title": "Origami cranes",
            "category": "Creative",
            "price_minor": 900,
            "currency": "USD",
            "landing_url": "https://vendor.example/origami",
        },
        headers=vendor.headers,
    )
    pid = r.json()["id"]
    await shop.admin.client.post(
        f"/api/v1/products/{pid}/review",
        json={"decision": "approved", "grade": "B"},
        headers=shop.admin.headers,
    )

    # when its similar products are asked for
    r = await shop.affiliate.client.get(
        f"/api/v1/products/{pid}/similar", headers=shop.affiliate.headers
    )

    # then there are none yet (the request embeds nothing itself)
    assert r.status_code == 200
    assert r.json() == []


async def test_sales_pull_recommendations_toward_what_sells(app: FastAPI, shop: Shop) -> None:
    # given an affiliate promoting a yoga product and a baking one, the baking link selling
    await settings(shop.admin, fraud_min_click_seconds=0, fraud_max_sales_per_address=1_000)
    affiliate = await signup_affiliate(own_client(app), shop.admin.slug)
    links = {}
    for key in ("yoga/0", "baking/0"):
        r = await affiliate.client.post(
            "/api/v1/links", json={"product_id": str(shop.ids[key])}, headers=affiliate.headers
        )
        assert r.status_code == 201, r.text
        links[key] = r.json()
    secret = await api_key(shop.vendor)
    for n in range(5):
        visitor = own_client(app)
        r = await visitor.get(f"/r/{links['baking/0']['code']}", headers={"user-agent": BROWSER})
        click_id = parse_qs(urlsplit(r.headers["location"]).query)["bnx_cid"][0]
        sale = {
            "order_id": f"S-{n}",
            "amount_minor": 10_000,
            "currency": "USD",
            "click_id": click_id,
        }
        r = await visitor.post("/api/v1/conversions", json=sale, headers=bearer(secret))
        assert r.status_code == 201, r.text

    # when they ask what to promote next
    r = await affiliate.client.get(
        "/api/v1/me/recommendations", params={"limit": 6}, headers=affiliate.headers
    )

    # then the first are like what sells (1 + its five sales to the yoga product's 1)
    assert r.status_code == 200, r.text
    key_of = {str(v): k for k, v in shop.ids.items()}
    keys = [key_of[rec["product"]["id"]] for rec in r.json()]
    assert set(keys[:4]) <= relevant("baking") - {"baking/0"}

    # and an affiliate new to the organisation is offered first what earns most per click
    newcomer = await signup_affiliate(own_client(app), shop.admin.slug)
    r = await newcomer.client.get(
        "/api/v1/me/recommendations", params={"limit": 3}, headers=newcomer.headers
    )
    assert r.status_code == 200, r.text
    first = r.json()[0]
    assert (first["product"]["id"], first["reason"]) == (str(shop.ids["baking/0"]), "top_earner")
