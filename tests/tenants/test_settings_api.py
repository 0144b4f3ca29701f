"""Tenant settings and branding."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.conftest import ClientFactory
from tests.factories import signup_org


def _png(size: tuple[int, int] = (32, 32), fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


async def test_update_settings_changes_branding_for_everyone(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())

    r = await admin.client.patch(
        "/api/v1/tenant/settings",
        headers=admin.headers,
        json={
            "display_name": "Nord Academy",
            "brand_color": "#FF5500",
            "default_currency": "eur",
            "default_commission_bps": 1500,
            "default_cookie_days": 60,
        },
    )
    public = await make_client().get(f"/api/v1/public/tenants/{admin.slug}")

    assert r.status_code == 200, r.text
    assert r.json()["brand_color"] == "#ff5500"
    assert r.json()["default_currency"] == "EUR"
    assert public.json() == {
        "slug": admin.slug,
        "display_name": "Nord Academy",
        "brand_color": "#ff5500",
        "logo_url": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"brand_color": "red"}, "brand_color", id="colour-not-hex"),
        pytest.param({"default_currency": "XYZ"}, "default_currency", id="currency-unknown"),
        pytest.param(
            {"default_commission_bps": 10001}, "default_commission_bps", id="bps-over-100pct"
        ),
        pytest.param({"default_cookie_days": 0}, "default_cookie_days", id="cookie-days-zero"),
        pytest.param({"display_name": ""}, "display_name", id="empty-name"),
        pytest.param({"display_name": None}, "display_name", id="null-name"),
        pytest.param({"slug": "new"}, "slug", id="unknown-field"),
    ],
)
async def test_bad_settings_are_422_and_change_nothing(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    admin = await signup_org(client)
    before = (await client.get("/api/v1/tenant/settings", headers=admin.headers)).json()

    r = await client.patch("/api/v1/tenant/settings", headers=admin.headers, json=body)

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert (await client.get("/api/v1/tenant/settings", headers=admin.headers)).json() == before


async def test_logo_upload_serves_and_removes(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    data = _png()

    r = await admin.client.put(
        "/api/v1/tenant/logo",
        headers=admin.headers,
        files={"file": ("logo.png", data, "image/png")},
    )
    logo_url = r.json()["logo_url"]
    served = await make_client().get(logo_url)
    removed = await admin.client.delete("/api/v1/tenant/logo", headers=admin.headers)

    assert r.status_code == 200, r.text
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == data
    assert removed.json()["logo_url"] is None
    assert (await make_client().get(logo_url)).status_code == 404


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        pytest.param(b"GIF89a not really", "image/gif", id="not-an-image"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", id="svg"),
        pytest.param(_png(fmt="BMP"), "image/png", id="bmp-claiming-png"),
        pytest.param(_png((3000, 10)), "image/png", id="too-wide"),
        pytest.param(b"\x89PNG" + b"0" * (600 * 1024), "image/png", id="too-big"),
    ],
)
async def test_bad_logos_are_refused(
    client: httpx.AsyncClient, payload: bytes, content_type: str
) -> None:
    admin = await signup_org(client)
    r = await client.put(
        "/api/v1/tenant/logo",
        headers=admin.headers,
        files={"file": ("logo", payload, content_type)},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "file"
    assert (await client.get("/api/v1/tenant/settings", headers=admin.headers)).json()[
        "logo_url"
    ] is None


async def test_unknown_public_tenant_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/public/tenants/no-such-org-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "bad",
    ["http://acme.example/", "not a url", "javascript:alert(1)"],
    ids=["plain-http", "not-a-url", "javascript"],
)
async def test_a_fallback_page_that_is_not_https_is_refused(
    make_client: ClientFactory, bad: str
) -> None:
    admin = await signup_org(make_client())
    url, h = "/api/v1/tenant/settings", admin.headers
    r = await admin.client.patch(
        url, json={"fallback_url": "https://acme.example/offers"}, headers=h
    )
    assert r.status_code == 200, r.text

    r = await admin.client.patch(url, json={"fallback_url": bad}, headers=h)

    assert r.status_code == 422, bad
    assert r.json()["errors"][0]["field"] == "fallback_url"
    kept = (await admin.client.get(url, headers=h)).json()["fallback_url"]
    assert kept == "https://acme.example/offers"


async def test_the_fallback_page_can_be_set_and_cleared(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    url, h = "/api/v1/tenant/settings", admin.headers
    assert (await admin.client.get(url, headers=h)).json()["fallback_url"] is None
    r = await admin.client.patch(
        url, json={"fallback_url": "https://acme.example/offers"}, headers=h
    )
    assert r.json()["fallback_url"] == "https://acme.example/offers"
    r = await admin.client.patch(url, json={"fallback_url": ""}, headers=h)
    assert r.json()["fallback_url"] is None


@pytest.mark.parametrize(
    ("code", "name", "digits"),
    [("USD", "US Dollar", 2), ("JPY", "Yen", 0), ("KWD", "Kuwaiti Dinar", 3), ("EUR", "Euro", 2)],
)
async def test_members_read_the_currencies_forms_offer(
    make_client: ClientFactory, code: str, name: str, digits: int
) -> None:
    admin = await signup_org(make_client())

    r = await admin.client.get("/api/v1/currencies", headers=admin.headers)

    assert r.status_code == 200
    listed = {c["code"]: c for c in r.json()}
    assert listed[code] == {"code": code, "name": name, "minor_digits": digits}
    assert [c["code"] for c in r.json()] == sorted(listed)
    assert "private" in r.headers["cache-control"]


async def test_the_currencies_need_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/currencies")).status_code == 401
