"""Odd input in paths and query strings: control characters and integers past 64 bits are
refused with a 4xx problem+json naming the parameter, on every route, never a 500."""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Account, signup_org

PROBLEM_JSON = "application/problem+json"

# What an attacker puts in a path or a query: a NUL (PostgreSQL refuses it in text), another C0
# control character, and integers past what a bigint holds, on both sides.
ODD_VALUES = {
    "nul": "a\x00b",
    "escape": "\x1b[2J",
    "huge": "99999999999999999999",
    "below-int64": str(-(2**63) - 1),
    "thousands-of-digits": "9" * 5000,  # past what Python's int() converts from text
}


def _filler(schema: dict[str, Any]) -> str:
    """A plausible value for a parameter that is not the one under test."""
    options = schema.get("anyOf", [schema])
    first = next((o for o in options if o.get("type") != "null"), options[0])
    if "enum" in first:
        return str(first["enum"][0])
    if first.get("format") == "uuid":
        return str(uuid.uuid4())
    if first.get("format") == "date":
        return "2026-01-01"
    if first.get("type") == "integer":
        return str(first.get("minimum", 1))
    if first.get("type") == "boolean":
        return "false"
    return "x"


def _cases(openapi: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str], str]]:
    """(method, path, parameter, query, value name) for every path and query parameter of every
    operation, with each odd value in turn."""
    cases = []
    for template, operations in openapi["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["in"] in {"path", "query"}]
            for param in params:
                for name, value in ODD_VALUES.items():
                    path, query = template, {}
                    for other in params:
                        given = value if other is param else _filler(other["schema"])
                        if other["in"] == "path":
                            path = path.replace("{" + other["name"] + "}", quote(given, safe=""))
                        elif other is param or other.get("required"):
                            query[other["name"]] = given
                    cases.append((method.upper(), path, param["name"], query, name))
    return cases


def _assert_refused_cleanly(r: httpx.Response) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"] == PROBLEM_JSON, r.text


@pytest.fixture(scope="module")
async def raw_client(app: FastAPI) -> Any:
    """A client that gets the app's 500 answer instead of the exception behind it, so that one
    walk reports every route that fails."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("10.99.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
async def admin(raw_client: httpx.AsyncClient) -> Account:
    """A tenant admin for the whole module: these requests change nothing."""
    return await signup_org(raw_client)


@pytest.mark.parametrize("caller", ["anonymous", "tenant-admin"])
async def test_every_route_refuses_odd_path_and_query_values_without_a_server_error(
    app: FastAPI, raw_client: httpx.AsyncClient, admin: Account, caller: str
) -> None:
    # given every path and query parameter of every operation in the OpenAPI document
    headers = admin.headers if caller == "tenant-admin" else {}
    cases = _cases(app.openapi())
    assert len(cases) > 200  # the walk reaches the document's parameters

    # when each gets a control character or an integer past 64 bits
    failures = []
    for method, path, param, query, value in cases:
        r = await raw_client.request(method, path, params=query, headers=headers)
        if r.status_code >= 500 or (
            r.status_code >= 400 and r.headers.get("content-type") != PROBLEM_JSON
        ):
            failures.append(f"{method} {path} {param}={value}: {r.status_code} {r.text[:120]}")

    # then none is a server error, and every refusal is problem+json
    assert not failures, "\n".join(failures)


def _named(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in r.json()["errors"]] == [field], r.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param("/r/ab%00cd", "code", id="redirect-code"),
        pytest.param("/r/acme/sum%00mer", "alias", id="redirect-alias"),
        pytest.param("/r/ac%01me/summer", "slug", id="redirect-slug"),
        pytest.param("/api/v1/public/tenants/ac%00me", "slug", id="public-tenant"),
        pytest.param(
            "/api/v1/public/tenants/ac%00me/ledger/verifier-key", "slug", id="verifier-key"
        ),
        pytest.param("/api/v1/ledger/accounts/cash%00/statement", "code", id="statement"),
        pytest.param("/api/v1/users?q=a%00b", "q", id="users-q"),
        pytest.param("/api/v1/marketplace?category=a%00", "category", id="market-category"),
        pytest.param("/api/v1/marketplace?q=%00", "q", id="market-q"),
        pytest.param("/api/v1/marketplace?q=line%0Abreak", "q", id="market-q-newline"),
        pytest.param("/api/v1/marketplace?sort=new&q%00=x", "q\x00", id="nul-in-a-name"),
        pytest.param("/api/v1/marketplace?q=tab%09", "q", id="market-q-tab"),
        pytest.param("/somewhere%00/else", "path", id="no-route"),
    ],
)
async def test_control_characters_are_refused_naming_the_parameter(
    raw_client: httpx.AsyncClient, admin: Account, path: str, field: str
) -> None:
    # given a path or query string with a control character, from a logged-in tenant admin
    # when it is requested
    r = await raw_client.get(path, headers=admin.headers)

    # then the answer is 400 problem+json naming the parameter
    _named(r, 400, field)


@pytest.mark.parametrize(
    "height",
    ["99999999999999999999", str(2**63), str(-(2**63) - 1), "-1"],
)
async def test_a_block_height_past_a_bigint_is_refused(
    raw_client: httpx.AsyncClient, admin: Account, height: str
) -> None:
    # given a tenant admin asking for a block whose height no bigint holds
    # when it is requested
    r = await raw_client.get(f"/api/v1/ledger/blocks/{height}", headers=admin.headers)

    # then the answer is 422 problem+json naming the height
    _named(r, 422, "height")


async def test_ordinary_text_and_unicode_pass(
    raw_client: httpx.AsyncClient, admin: Account
) -> None:
    # given a query with spaces, punctuation and non-ASCII letters
    # when the marketplace is searched with it
    r = await raw_client.get(
        "/api/v1/marketplace", params={"q": "Café & crème, 100%"}, headers=admin.headers
    )

    # then it is an ordinary search
    assert r.status_code == 200, r.text


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(_cursor(b"[" * 20_000), id="deeply-nested"),
        pytest.param(_cursor(b'[["i", 1e400], ["u", "x"]]'), id="infinite-number"),
        pytest.param(
            _cursor(b'[["i", 99999999999999999999], ["u", "%s"]]' % str(uuid.uuid4()).encode()),
            id="huge-key",
        ),
        pytest.param(_cursor(b'[["u", 5], ["t", 5]]'), id="wrong-types"),
        pytest.param(_cursor(b'{"c": 5, "i": 7}'), id="object-of-numbers"),
        pytest.param(
            _cursor(b'{"c": "9999-12-31T23:59:59-14:00", "i": "%s"}' % str(uuid.uuid4()).encode()),
            id="past-the-calendar",
        ),
        pytest.param("99999999999999999999", id="huge-number"),
        pytest.param("9" * 5000, id="thousands-of-digits"),
        pytest.param("²", id="unicode-digit"),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/marketplace?sort=commission",
        "/api/v1/links",
        "/api/v1/users",
        "/api/v1/ledger/blocks",
        "/api/v1/ledger/accounts/platform_fees/statement",
    ],
)
async def test_a_forged_cursor_is_refused_naming_it(
    raw_client: httpx.AsyncClient, admin: Account, path: str, cursor: str
) -> None:
    # given a cursor the server never gave out
    # when a page is asked for after it
    r = await raw_client.get(path, params={"cursor": cursor}, headers=admin.headers)

    # then the answer is 400 problem+json naming the cursor
    _named(r, 400, "cursor")


def test_every_integer_parameter_is_bounded_within_a_bigint(app: FastAPI) -> None:
    # given every path and query parameter of the OpenAPI document that takes an integer
    integers = [
        (path, param["name"], option)
        for path, operations in app.openapi()["paths"].items()
        for operation in operations.values()
        for param in operation.get("parameters", [])
        for option in param["schema"].get("anyOf", [param["schema"]])
        if option.get("type") == "integer"
    ]
    assert integers

    # then each has both bounds, within what PostgreSQL's bigint holds
    unbounded = [
        f"{path} {name}"
        for path, name, schema in integers
        if not -(2**63) <= schema.get("minimum", -(2**64)) <= schema.get("maximum", 2**64) < 2**63
    ]
    assert not unbounded
