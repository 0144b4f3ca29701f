"""The OpenAPI document tells the truth: every answer the app gives is documented, as it is
sent, and schemathesis (every check) finds no difference between the document and the server."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from tests.factories import Account, signup_affiliate, signup_org

CONFIG = Path(__file__).with_name("schemathesis.toml")
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_error_answer_is_documented_as_problem_json(app: FastAPI) -> None:
    # given the OpenAPI document
    operations = _operations(app.openapi())

    # then every error answer is problem+json, as core.http sends it
    wrong = [
        f"{method} {path} {status}"
        for method, path, operation in operations
        for status, response in operation["responses"].items()
        if status[0] in "45" and response.get("content") != PROBLEM
    ]
    assert not wrong

    # and every operation names the answers every route can give besides its own
    missing = [
        f"{method} {path} {status}"
        for method, path, operation in operations
        for status, applies in [
            ("400", True),  # core.inputs refuses control characters on every route
            ("401", bool(operation.get("security"))),
            ("403", bool(operation.get("security"))),
            ("413", "requestBody" in operation),
        ]
        if applies and status not in operation["responses"]
    ]
    assert not missing


def test_string_parameters_state_the_control_character_rule(app: FastAPI) -> None:
    # given the marketplace's free-text search and a public organisation's slug
    openapi = app.openapi()
    q = next(
        p for p in openapi["paths"]["/api/v1/marketplace"]["get"]["parameters"] if p["name"] == "q"
    )
    slug = openapi["paths"]["/api/v1/public/tenants/{slug}"]["get"]["parameters"][0]

    # then their schemas say what core.inputs refuses
    assert q["schema"]["anyOf"][0]["pattern"] == "^[^\\x00-\\x1f\\x7f]*$"
    assert slug["schema"]["pattern"] == "^[^\\x00-\\x1f\\x7f]*$"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        pytest.param("PUT", "/api/v1/links/{id}", "DELETE, GET, PATCH", id="link"),
        pytest.param("PUT", "/api/v1/products/{id}/images/{id}", "DELETE", id="product-image"),
        pytest.param("DELETE", "/api/v1/users", "GET", id="users"),
        pytest.param("OPTIONS", "/api/v1/coupons", "GET, POST", id="coupons-options"),
    ],
)
async def test_a_wrong_method_is_answered_with_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    # given a path served by one or more routes
    # when it is asked for with a method none of them serves
    r = await client.request(method, path.replace("{id}", str(uuid.uuid4())))

    # then the answer is 405, and `Allow` lists the methods of all of them
    assert r.status_code == 405, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["allow"] == allowed


@pytest.fixture(scope="module")
async def live_accounts(server_url: str) -> AsyncIterator[dict[str, Account]]:
    """A tenant admin and an affiliate on the live server, each of an organisation of their own
    (what one run does, suspending users it finds among them, cannot reach the other)."""
    async with (
        httpx.AsyncClient(base_url=server_url) as one,
        httpx.AsyncClient(base_url=server_url) as other,
    ):
        admin = await signup_org(one)
        program = await signup_org(other)
        affiliate = await signup_affiliate(other, program.slug)
        # the server loads its embedding model on its first search (seconds on a busy machine,
        # which the run's response time check would count against that search)
        first = await other.get(
            "/api/v1/products/search", params={"q": "first"}, headers=affiliate.headers, timeout=120
        )
        assert first.status_code == 200, first.text
        yield {"tenant-admin": admin, "affiliate": affiliate}


@pytest.mark.parametrize("caller", ["tenant-admin", "affiliate"])
def test_schemathesis_finds_the_server_as_the_document_says(
    server_url: str,
    live_accounts: dict[str, Account],
    settings: Settings,
    owner_engine: Engine,
    tmp_path: Path,
    caller: str,
) -> None:
    # given the live server and a caller's access token
    token = live_accounts[caller].token

    # when schemathesis runs every check over every operation (tests/schemathesis.toml bounds
    # the examples and makes the run deterministic)
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                f"{server_url}/api/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {token}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,  # where it would keep state of its own
            check=False,
        )
    finally:
        # its logins failed from this machine's address: let later tests log in from it
        ip_key = hmac.new(settings.secret.encode(), b"ip:127.0.0.1", hashlib.sha256).hexdigest()
        with owner_engine.begin() as connection:
            connection.execute(text("DELETE FROM auth_throttle WHERE key = :k"), {"k": ip_key})

    # then it finds no failure
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-2_000:]
