"""Catalog across organisations: another tenant's products, images and reviews do not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.factories import Account, invite_and_accept, signup_affiliate, signup_org
from tests.factories import png as _png
from tests.factories import product as _product


@dataclass
class ForeignCatalog:
    """Organisation B's approved product with an image and an affiliate's link to it, and
    organisation A's admin, vendor and affiliate, who must see none of it."""

    b: Account
    b_affiliate: Account
    product: dict[str, Any]
    image: dict[str, Any]
    link: dict[str, Any]
    outsiders: dict[str, Account]


@pytest.fixture
async def foreign(make_client: ClientFactory) -> ForeignCatalog:
    b = await signup_org(make_client())
    b_vendor = await invite_and_accept(b, make_client(), role="vendor")
    r = await b_vendor.client.post("/api/v1/products", json=_product(), headers=b_vendor.headers)
    product = r.json()
    r = await b_vendor.client.post(
        f"/api/v1/products/{product['id']}/images",
        files={"file": ("a.png", _png(), "image/png")},
        headers=b_vendor.headers,
    )
    image = r.json()["images"][0]
    await b.client.post(
        f"/api/v1/products/{product['id']}/review",
        json={"decision": "approved", "grade": "A"},
        headers=b.headers,
    )
    b_affiliate = await signup_affiliate(make_client(), b.slug)
    r = await b_affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=b_affiliate.headers
    )
    link = r.json()

    a = await signup_org(make_client())
    outsiders = {
        "admin": a,
        "vendor": await invite_and_accept(a, make_client(), role="vendor"),
        "affiliate": await signup_affiliate(make_client(), a.slug),
    }
    return ForeignCatalog(b, b_affiliate, product, image, link, outsiders)


@pytest.mark.parametrize("role", ["admin", "vendor", "affiliate"])
async def test_no_tenant_sees_or_touches_another_tenants_catalog(
    foreign: ForeignCatalog, role: str
) -> None:
    who = foreign.outsiders[role]
    c, h = who.client, who.headers
    url = f"/api/v1/products/{foreign.product['id']}"
    link_url = f"/api/v1/links/{foreign.link['id']}"

    assert (await c.get(url, headers=h)).status_code == 404
    assert (await c.put(url, json=_product(), headers=h)).status_code == 404
    assert (await c.get(f"{url}/reviews", headers=h)).status_code == 404
    r = await c.post(f"{url}/images", files={"file": ("a.png", _png(), "image/png")}, headers=h)
    assert r.status_code == 404
    assert (await c.delete(f"{url}/images/{foreign.image['id']}", headers=h)).status_code == 404
    assert (await c.get("/api/v1/marketplace", headers=h)).json()["items"] == []
    assert (await c.get("/api/v1/marketplace/categories", headers=h)).json() == []
    assert (await c.get(link_url, headers=h)).status_code == 404
    r = await c.patch(link_url, json={"status": "paused"}, headers=h)
    assert r.status_code == 404
    assert (await c.delete(link_url, headers=h)).status_code == 404
    assert (await c.get(f"{link_url}/qr", headers=h)).status_code == 404
    assert (await c.get("/api/v1/links", headers=h)).json()["items"] == []
    r = await c.post("/api/v1/links", json={"product_id": foreign.product["id"]}, headers=h)
    assert r.status_code in (403, 404)  # not an affiliate there, or no such product
    await _assert_untouched(foreign)


async def test_no_admin_vets_or_deletes_another_tenants_product(
    foreign: ForeignCatalog, make_client: ClientFactory
) -> None:
    a, b = foreign.outsiders["admin"], foreign.b
    url = f"/api/v1/products/{foreign.product['id']}"

    assert (await a.client.get("/api/v1/products", headers=a.headers)).json()["items"] == []
    assert (await a.client.get("/api/v1/vetting", headers=a.headers)).json()["items"] == []
    r = await a.client.post(
        f"{url}/review", json={"decision": "rejected", "reason": "x"}, headers=a.headers
    )
    assert r.status_code == 404
    assert (await a.client.delete(url, headers=a.headers)).status_code == 404
    foreign_image = foreign.image["url"].replace(f"/tenants/{b.slug}/", f"/tenants/{a.slug}/")
    assert (await make_client().get(foreign_image)).status_code == 404
    await _assert_untouched(foreign)


async def _assert_untouched(foreign: ForeignCatalog) -> None:
    """B's product and link are as B left them."""
    b, b_affiliate = foreign.b, foreign.b_affiliate
    url = f"/api/v1/products/{foreign.product['id']}"
    seen = (await b.client.get(url, headers=b.headers)).json()
    assert (seen["status"], seen["title"], len(seen["images"])) == (
        "approved",
        foreign.product["title"],
        1,
    )
    still = (
        await b_affiliate.client.get(
            f"/api/v1/links/{foreign.link['id']}", headers=b_affiliate.headers
        )
    ).json()
    assert still["status"] == "active"
