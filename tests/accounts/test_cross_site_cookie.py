"""The refresh cookie when the web app has an origin of its own: sent cross-site
(`SameSite=None; Secure`), and usable only from the allow-listed origins."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import AppWith
from tests.factories import PASSWORD, unique_email, unique_slug

APP = "http://localhost:5173"
CROSS_SITE = {"cors_origins": frozenset({APP})}
REFRESH = "/api/v1/auth/refresh"


async def _signup(client: httpx.AsyncClient) -> httpx.Response:
    body = {
        "organisation_name": "Cross Site",
        "slug": unique_slug(),
        "name": "Admin",
        "email": unique_email(),
        "password": PASSWORD,
    }
    r = await client.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 201, r.text
    return r


def _attributes(r: httpx.Response) -> list[str]:
    return [a.strip() for a in r.headers["set-cookie"].lower().split(";")]


def _cookie_of(r: httpx.Response) -> str:
    """The `bnx_refresh=…` pair an answer sets (sent by hand: the client keeps a `Secure`
    cookie from plain http to itself)."""
    pair = r.headers["set-cookie"].split(";", 1)[0]
    assert pair.startswith("bnx_refresh=")
    return pair


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        pytest.param(CROSS_SITE, ["samesite=none", "secure"], ["samesite=strict"], id="cors"),
        pytest.param({}, ["samesite=strict"], ["samesite=none", "secure"], id="same-origin"),
    ],
)
async def test_the_cookie_is_cross_site_only_with_an_allow_list(
    app_with: AppWith, changes: dict[str, object], present: list[str], absent: list[str]
) -> None:
    client = await app_with(**changes)

    attributes = _attributes(await _signup(client))

    assert "httponly" in attributes
    assert "path=/api/v1/auth" in attributes
    assert all(a in attributes for a in present)
    assert not any(a in attributes for a in absent)


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        pytest.param(APP, 200, id="listed"),
        pytest.param(None, 200, id="no-origin"),
        pytest.param("http://t", 200, id="own-host"),
        pytest.param("https://evil.example", 403, id="unlisted"),
        pytest.param("null", 403, id="opaque"),
    ],
)
async def test_only_listed_origins_may_refresh_with_the_cookie(
    app_with: AppWith, origin: str | None, status: int
) -> None:
    # given a session of the cross-site web app
    client = await app_with(**CROSS_SITE)
    cookie = _cookie_of(await _signup(client))
    headers = {"Cookie": cookie} | ({"Origin": origin} if origin else {})

    # when a page of `origin` sends the cookie to refresh
    r = await client.post(REFRESH, headers=headers)

    # then only the web app's own pages (or no browser page at all) get a token
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["type"].endswith("/untrusted-origin")
        assert "set-cookie" not in r.headers
    else:
        assert "samesite=none" in _attributes(r)


async def test_an_unlisted_origin_cannot_log_the_user_out(app_with: AppWith) -> None:
    client = await app_with(**CROSS_SITE)
    cookie = _cookie_of(await _signup(client))

    refused = await client.post(
        "/api/v1/auth/logout", headers={"Cookie": cookie, "Origin": "https://evil.example"}
    )
    still = await client.post(REFRESH, headers={"Cookie": cookie, "Origin": APP})

    assert refused.status_code == 403
    assert still.status_code == 200


async def test_logout_clears_the_cross_site_cookie(app_with: AppWith) -> None:
    client = await app_with(**CROSS_SITE)
    cookie = _cookie_of(await _signup(client))

    r = await client.post("/api/v1/auth/logout", headers={"Cookie": cookie, "Origin": APP})

    # a browser drops the cookie only for a `Set-Cookie` with the attributes it was set with
    assert r.status_code == 204
    attributes = _attributes(r)
    assert "max-age=0" in attributes
    assert "samesite=none" in attributes
    assert "secure" in attributes
    assert r.headers["access-control-allow-origin"] == APP
