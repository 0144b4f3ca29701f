"""`/sdk/bnx.js` and the browser report it sends: a browser key, only from the vendor's site."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.commissions.support import api_key, open_shop
from tests.conftest import ClientFactory
from tests.factories import Program


async def _report(client: httpx.AsyncClient, origin: str | None, **body: Any) -> httpx.Response:
    headers = {"content-type": "text/plain"} | ({"origin": origin} if origin else {})
    sale = {"order_id": "W-1", "amount_minor": 10_000, "currency": "USD", **body}
    return await client.post("/api/v1/sdk/conversions", content=json.dumps(sale), headers=headers)


async def test_the_snippet_is_served_as_a_script(client: httpx.AsyncClient) -> None:
    r = await client.get("/sdk/bnx.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "bnx_cid" in r.text
    assert "/api/v1/sdk/conversions" in r.text


async def test_a_browser_key_reports_from_the_vendors_site_only(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)  # the product lives on https://shop.example
    key = await api_key(program.vendor, scope="conversions:browser")
    click = await shop.click(make_client())
    browser = make_client()

    r = await _report(browser, "https://shop.example", key=key, click_id=click)
    assert r.status_code == 201, r.text
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    assert (r.json()["attribution"], r.json()["affiliate_id"]) == ("click", shop.affiliate.id)
    again = await _report(browser, "https://checkout.shop.example", key=key, click_id=click)
    assert (again.status_code, again.json()["id"]) == (200, r.json()["id"])

    for origin in ("https://evil.example", "https://shop.example.evil.example", None):
        r = await _report(browser, origin, key=key, order_id="W-2", click_id=click)
        assert r.status_code == 403, (origin, r.text)
        assert "access-control-allow-origin" not in r.headers  # never another site's

    # a server key is not a browser key, and a browser key cannot refund or report by API
    r = await _report(browser, "https://shop.example", key=shop.key, order_id="W-3")
    assert r.status_code == 403
    r = await shop.report(key, order_id="W-4")
    assert r.status_code == 403


async def test_bad_browser_reports_name_the_field(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    key = await api_key(program.vendor, scope="conversions:browser")
    browser = make_client()
    r = await browser.post(
        "/api/v1/sdk/conversions",
        content="{not json",
        headers={"content-type": "text/plain", "origin": "https://shop.example"},
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body")
    assert "access-control-allow-origin" not in r.headers  # no key: no origin is known good
    r = await _report(browser, "https://shop.example", key=key, amount_minor=-5)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "amount_minor")
    r = await _report(browser, "https://shop.example", key="bnx_live_nope")
    assert r.status_code == 401
    r = await browser.post(
        "/api/v1/sdk/conversions",
        content="x" * 5000,
        headers={"content-type": "text/plain", "origin": "https://shop.example"},
    )
    assert r.status_code == 422
    assert shop.product["landing_url"].startswith("https://shop.example")


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        pytest.param("https://shop.example", True, id="the-products-origin"),
        pytest.param("https://checkout.shop.example", True, id="a-subdomain"),
        pytest.param("http://shop.example", False, id="same-host-other-scheme"),
        pytest.param("https://shop.example:8443", False, id="same-host-other-port"),
        pytest.param("null", False, id="null"),
        pytest.param("https://evil.example", False, id="another-site"),
    ],
)
async def test_only_an_accepted_origin_is_named_in_the_cors_answer(
    program: Program, make_client: ClientFactory, origin: str, accepted: bool
) -> None:
    # given a product on https://shop.example and its vendor's browser key
    shop = await open_shop(program, make_client)
    key = await api_key(program.vendor, scope="conversions:browser")
    click = await shop.click(make_client())
    browser = make_client()

    # when a page of `origin` reports a sale, then the same order with other content
    first = await _report(browser, origin, key=key, click_id=click)
    clash = await _report(browser, origin, key=key, click_id=click, amount_minor=20_000)

    # then an accepted origin's page may read both answers (the refusal included), and any
    # other origin is refused without being named
    assert first.headers["vary"] == "Origin"
    if accepted:
        assert (first.status_code, clash.status_code) == (201, 409), clash.text
        for r in (first, clash):
            assert r.headers["access-control-allow-origin"] == origin
    else:
        assert (first.status_code, clash.status_code) == (403, 403)
        for r in (first, clash):
            assert "access-control-allow-origin" not in r.headers
