"""Catalog across organisations: another tenant's products, images and reviews do not exist."""

from __future__ import annotations

from tests.accounts.factories import invite_and_accept, signup_affiliate, signup_org
from tests.catalog.support import png as _png
from tests.catalog.support import product as _product
from tests.conftest import ClientFactory


async def test_no_tenant_sees_or_touches_another_tenants_catalog(
    make_client: ClientFactory,
) -> None:
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
    a_vendor = await invite_and_accept(a, make_client(), role="vendor")
    a_affiliate = await signup_affiliate(make_client(), a.slug)
    url = f"/api/v1/products/{product['id']}"
    for who in (a, a_vendor, a_affiliate):
        c, h = who.client, who.headers
        assert (await c.get(url, headers=h)).status_code == 404
        assert (await c.put(url, json=_product(), headers=h)).status_code == 404
        assert (await c.get(f"{url}/reviews", headers=h)).status_code == 404
        r = await c.post(f"{url}/images", files={"file": ("a.png", _png(), "image/png")}, headers=h)
        assert r.status_code == 404
        assert (await c.delete(f"{url}/images/{image['id']}", headers=h)).status_code == 404
        assert (await c.get("/api/v1/marketplace", headers=h)).json()["items"] == []
        assert (await c.get("/api/v1/marketplace/categories", headers=h)).json() == []
        link_url = f"/api/v1/links/{link['id']}"
        assert (await c.get(link_url, headers=h)).status_code == 404
        r = await c.patch(link_url, json={"status": "paused"}, headers=h)
        assert r.status_code == 404
        assert (await c.delete(link_url, headers=h)).status_code == 404
        assert (await c.get(f"{link_url}/qr", headers=h)).status_code == 404
        assert (await c.get("/api/v1/links", headers=h)).json()["items"] == []
        r = await c.post("/api/v1/links", json={"product_id": product["id"]}, headers=h)
        assert r.status_code in (403, 404)  # not an affiliate there, or no such product
    assert (await a.client.get("/api/v1/products", headers=a.headers)).json()["items"] == []
    assert (await a.client.get("/api/v1/vetting", headers=a.headers)).json()["items"] == []
    r = await a.client.post(
        f"{url}/review", json={"decision": "rejected", "reason": "x"}, headers=a.headers
    )
    assert r.status_code == 404
    assert (await a.client.delete(url, headers=a.headers)).status_code == 404
    foreign_image = image["url"].replace(f"/tenants/{b.slug}/", f"/tenants/{a.slug}/")
    assert (await make_client().get(foreign_image)).status_code == 404

    # B's product is untouched
    seen = (await b.client.get(url, headers=b.headers)).json()
    assert (seen["status"], seen["title"], len(seen["images"])) == ("approved", product["title"], 1)
    still = (
        await b_affiliate.client.get(f"/api/v1/links/{link['id']}", headers=b_affiliate.headers)
    ).json()
    assert still["status"] == "active"
