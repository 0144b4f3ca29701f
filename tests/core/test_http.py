"""API conventions: problem+json for every error, security headers, SPA fallback, health."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from bitnexus.app import create_app
from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.http import with_context
from tests.factories import signup_org


def _is_problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    assert body["title"]
    return dict(body)


async def test_unknown_api_path_is_problem_404_not_spa(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/api/v1/nope"), 404)
    _is_problem(await client.delete("/api/v1/nope"), 404)
    _is_problem(await client.get("/api/nope"), 404)


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/auth/login")
    _is_problem(r, 405)
    assert r.headers["allow"] == "POST"


async def test_oversized_body_is_413_and_writes_nothing(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/signup",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    _is_problem(r, 413)


async def test_malformed_json_is_422_naming_body(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = _is_problem(r, 422)
    assert body["errors"][0]["field"] == "body"  # type: ignore[index]


async def test_wrong_types_and_huge_strings_are_422(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", json={"organisation": ["x"], "email": 5, "password": None}
    )
    fields = {e["field"] for e in _is_problem(r, 422)["errors"]}  # type: ignore[union-attr]
    assert fields == {"organisation", "email", "password"}
    r = await client.post(
        "/api/v1/auth/login",
        json={"organisation": "a" * 10_000, "email": "a@example.com", "password": "x"},
    )
    _is_problem(r, 422)


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/nope", "/"], ids=["health", "api-error", "spa-page"]
)
async def test_every_response_has_security_headers(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)

    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-request-id"]


OWN_HEADERS = [(b"location", b"/next"), (b"referrer-policy", b"no-referrer")]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_carry_the_request_id_but_no_document_policies(status: int) -> None:
    assert with_context(OWN_HEADERS, "/x", "rid", status) == [
        *OWN_HEADERS,
        (b"x-request-id", b"rid"),
    ]


def test_pages_carry_the_document_policies_beside_their_own_headers() -> None:
    page = dict(with_context(OWN_HEADERS, "/x", "rid", 200))

    assert page[b"referrer-policy"] == b"no-referrer"  # the answer's own, not replaced
    assert page[b"x-frame-options"] == b"DENY"
    assert b"content-security-policy" in page


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}


async def test_openapi_and_offline_docs(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    docs = await client.get("/api/docs")
    assert "/api/v1/auth/login" in schema["paths"]
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    js = await client.get("/static/swagger/swagger-ui-bundle.js")
    assert js.status_code == 200
    assert len(js.content) > 100_000


@pytest.mark.parametrize("path", ["/", "/login", "/app/users", "/t/acme/join?ref=X"])
async def test_spa_fallback_serves_index_for_client_routes(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)

    assert r.status_code == 200
    assert '<div id="root">' in r.text


async def test_spa_fallback_serves_nothing_outside_the_build(client: httpx.AsyncClient) -> None:
    assert (await client.get("/../pyproject.toml")).status_code in (200, 404)
    assert "[project]" not in (await client.get("/..%2Fpyproject.toml")).text


async def test_unhandled_error_is_500_problem_without_trace(
    settings: Settings, db_urls: DatabaseUrls
) -> None:
    app: FastAPI = create_app(settings, db_urls)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        r = await c.get("/api/v1/boom")
    body = _is_problem(r, 500)
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert body["detail"]


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(IntegrityError("INSERT", {}, Exception("duplicate key")), id="integrity"),
        pytest.param(asyncpg.UniqueViolationError("duplicate key"), id="asyncpg-unique"),
        pytest.param(ConnectionRefusedError("smtp refused"), id="another-service-refused"),
    ],
)
async def test_a_database_error_other_than_an_outage_stays_a_500(
    settings: Settings, db_urls: DatabaseUrls, error: Exception
) -> None:
    # given a route failing with an error that does not mean the database is unreachable
    app: FastAPI = create_app(settings, db_urls)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise error

    # when it is asked for
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        r = await c.get("/api/v1/boom")

    # then it is the 500 problem, not the outage's 503
    _is_problem(r, 500)
    assert "retry-after" not in r.headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/tenant/settings",
        "/api/v1/platform/tenants",
        "/api/v1/invitations",
    ],
)
async def test_protected_routes_need_a_token(client: httpx.AsyncClient, path: str) -> None:
    _is_problem(await client.get(path), 401)


async def test_dev_mailbox_is_hidden_outside_development(
    settings: Settings, db_urls: DatabaseUrls, client: httpx.AsyncClient
) -> None:
    await signup_org(client)
    prod = settings.model_copy(update={"env": "production"})
    app = create_app(prod, db_urls)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        _is_problem(await c.get("/api/v1/dev/mailbox"), 404)


@pytest.mark.parametrize(
    ("public_url", "hsts"),
    [
        pytest.param("https://bitnexus.example", True, id="https"),
        pytest.param("HTTPS://bitnexus.example:8443/", True, id="https-port"),
        pytest.param("http://bitnexus.example", False, id="http"),
        pytest.param(None, False, id="unset"),
    ],
)
async def test_hsts_on_every_answer_when_the_public_url_is_https(
    settings: Settings, db_urls: DatabaseUrls, public_url: str | None, hsts: bool
) -> None:
    # given an app whose public URL is `public_url`
    app = create_app(settings.model_copy(update={"public_url": public_url}), db_urls)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        # when a page, an API answer, an error and a redirect are asked for
        answers = [await c.get(path) for path in ("/", "/healthz", "/api/v1/nope", "/r/nosuchcode")]

    # then each carries Strict-Transport-Security exactly when the public URL is https
    assert [r.headers.get("strict-transport-security") for r in answers] == [
        "max-age=31536000" if hsts else None
    ] * len(answers)
