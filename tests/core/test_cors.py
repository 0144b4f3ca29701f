"""CORS for the web app on an origin of its own: an allow-list of exact origins, credentials for
them only, preflights, and the headers on error answers too."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from bitnexus.core.config import Settings
from bitnexus.core.cors import trusted_origin, with_vary
from bitnexus.tracking.service.redirect import LinkResolver
from tests.conftest import AppWith
from tests.factories import signup_org

APP = "http://localhost:5173"
OTHER = "https://evil.example"
LISTED = {"cors_origins": frozenset({APP, "https://app.example.com"})}


async def test_a_listed_origin_may_read_answers_with_credentials(app_with: AppWith) -> None:
    # given the API with the web app's origin on its allow-list, and a signed-in admin
    client = await app_with(**LISTED)
    admin = await signup_org(client)

    # when the web app's page asks who is signed in
    r = await client.get("/api/v1/me", headers={**admin.headers, "Origin": APP})

    # then the browser may hand the answer to that page, credentials included
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "x-request-id" in r.headers["access-control-expose-headers"]
    assert "Origin" in r.headers["vary"]


@pytest.mark.parametrize(
    "changes",
    [pytest.param(LISTED, id="unlisted-origin"), pytest.param({}, id="no-allow-list")],
)
async def test_other_origins_get_no_cors_headers(
    app_with: AppWith, changes: dict[str, object]
) -> None:
    client = await app_with(**changes)
    admin = await signup_org(client)

    r = await client.get("/api/v1/me", headers={**admin.headers, "Origin": OTHER})

    assert r.status_code == 200  # the server answers; the browser keeps it from the page
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-credentials" not in r.headers


async def test_a_listed_origins_preflight_is_answered(app_with: AppWith) -> None:
    client = await app_with(**LISTED)

    r = await client.options(
        "/api/v1/products",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "POST" in r.headers["access-control-allow-methods"]
    allowed = r.headers["access-control-allow-headers"]
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert int(r.headers["access-control-max-age"]) > 0


async def test_an_unlisted_origins_preflight_is_not_allowed(app_with: AppWith) -> None:
    client = await app_with(**LISTED)

    r = await client.options(
        "/api/v1/products",
        headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"},
    )

    assert r.status_code == 405
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/api/v1/me", 401, id="no-token"),
        pytest.param("GET", "/api/v1/nowhere", 404, id="unknown-route"),
        pytest.param("POST", "/api/v1/auth/login", 422, id="invalid-body"),
        pytest.param("POST", "/api/v1/auth/refresh", 401, id="no-cookie"),
    ],
)
async def test_error_answers_carry_the_cors_headers(
    app_with: AppWith, method: str, path: str, status: int
) -> None:
    client = await app_with(**LISTED)

    r = await client.request(method, path, headers={"Origin": APP}, json={})

    # the page can read the problem's detail, not just a network error
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"


def _redirecting(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """`client`, its app able to answer unknown short links (`app_with` starts none of its
    services; an unknown link records no click)."""
    app: FastAPI = getattr(client._transport, "app")  # noqa: B009
    app.state.links = LinkResolver(app.state.db, app.state.settings)
    app.state.clicks = None
    return client


async def test_redirects_are_answered_before_cors(app_with: AppWith) -> None:
    client = _redirecting(await app_with(**LISTED))

    r = await client.get("/r/nonesuch", headers={"Origin": APP})

    assert r.status_code == 302
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        pytest.param("", frozenset(), id="unset"),
        pytest.param(
            "https://App.Example.com/, http://localhost:5173",
            frozenset({"https://app.example.com", APP}),
            id="comma-separated",
        ),
    ],
)
def test_the_allow_list_is_read_from_comma_separated_origins(
    value: str, origins: frozenset[str]
) -> None:
    assert Settings(BITNEXUS_CORS_ORIGINS=value).cors_origins == origins


@pytest.mark.parametrize(
    "value",
    ["*", "https://app.example.com/path", "ftp://files.example.com", "https://u@a.example", "x"],
)
def test_the_allow_list_holds_exact_origins_only(value: str) -> None:
    with pytest.raises(ValidationError, match="BITNEXUS_CORS_ORIGINS"):
        Settings(BITNEXUS_CORS_ORIGINS=value)


@pytest.mark.parametrize(
    ("origin", "host", "trusted"),
    [
        pytest.param(None, "api.example.com", True, id="no-origin"),
        pytest.param(APP, "api.example.com", True, id="listed"),
        pytest.param("https://api.example.com", "10.0.0.5:8000", True, id="public-url"),
        pytest.param("http://api.example.com", "api.example.com", True, id="same-host"),
        pytest.param(OTHER, "api.example.com", False, id="unlisted"),
        pytest.param("null", "api.example.com", False, id="opaque"),
    ],
)
def test_which_origins_may_use_the_cookie(origin: str | None, host: str, trusted: bool) -> None:
    assert (
        trusted_origin(origin, host, allowed={APP}, public_url="https://api.example.com/")
        is trusted
    )


@pytest.mark.parametrize(
    ("headers", "vary"),
    [
        pytest.param([], b"Origin", id="none"),
        pytest.param([(b"vary", b"Accept-Encoding")], b"Accept-Encoding, Origin", id="appended"),
        pytest.param([(b"vary", b"Origin")], b"Origin", id="already"),
    ],
)
def test_vary_names_origin_once(headers: list[tuple[bytes, bytes]], vary: bytes) -> None:
    assert [v for k, v in with_vary(headers) if k == b"vary"] == [vary]


async def test_links_to_the_apps_pages_point_at_its_own_origin(app_with: AppWith) -> None:
    # given the web app on an origin of its own
    client = _redirecting(await app_with(**LISTED, app_public_url="https://app.example.com"))
    admin = await signup_org(client)

    # when the API hands out a link to one of the app's pages, or a link leads nowhere
    invited = await client.post(
        "/api/v1/invitations",
        json={"email": "vendor@example.com", "role": "vendor"},
        headers=admin.headers,
    )
    unknown = await client.get("/r/nonesuch")

    # then they lead to the app's origin, while short links stay on the API's
    assert invited.status_code == 201, invited.text
    assert invited.json()["accept_url"].startswith("https://app.example.com/invite/")
    assert unknown.headers["location"] == "https://app.example.com/link-not-found"
