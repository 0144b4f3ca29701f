"""A database outage: every API answer is a 503 problem+json with Retry-After, the log says so
once per interval with a count (no traceback per request), and the API serves again once
PostgreSQL is back. The outage is real: a PostgreSQL of this test's own is stopped."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bitnexus.app import create_app
from bitnexus.core import embedded_postgres, provision
from bitnexus.core.config import Settings
from bitnexus.core.errors import PROBLEM_JSON
from tests.commissions.support import api_key
from tests.factories import bearer, invite_and_accept, signup_org

REQUESTS_PER_ROUTE = 4


@pytest.fixture
def own_settings(settings: Settings, db_urls: object) -> Iterator[Settings]:
    """Settings on a PostgreSQL of this test's own (never the session's shared one), in a
    directory its server user can reach (as the session's)."""
    with tempfile.TemporaryDirectory(prefix="bitnexus-outage-") as tmp:
        own = settings.model_copy(update={"data_dir": Path(tmp)})
        yield own
        embedded_postgres.stop(own.data_dir)


@pytest.fixture
async def own_app(own_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(own_settings, provision.migrate(own_settings))
    async with application.router.lifespan_context(application):
        yield application


async def _routes(
    client: httpx.AsyncClient,
) -> dict[str, tuple[str, str, dict[str, str], dict[str, Any] | None]]:
    """An authenticated route, a public one and a sale reported with a vendor's API key (the
    sale desk's batches)."""
    # (no affiliate: the test factories read sign-up mail from the session's shared database)
    admin = await signup_org(client)
    key = await api_key(await invite_and_accept(admin, client))
    sale = {"order_id": "OUTAGE-1", "amount_minor": 10_000, "currency": "USD"}
    return {
        "authenticated": ("GET", "/api/v1/me", admin.headers, None),
        "public": ("GET", f"/api/v1/public/tenants/{admin.slug}", {}, None),
        "api-key": ("POST", "/api/v1/conversions", bearer(key), sale),
    }


async def test_outage_answers_503_logs_once_and_recovers(
    own_app: FastAPI, own_settings: Settings, captured: list[str]
) -> None:
    transport = httpx.ASGITransport(app=own_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        # given an organisation whose routes answer, then PostgreSQL stopped
        routes = await _routes(c)
        for method, path, headers, body in routes.values():
            r = await c.request(method, path, headers=headers, json=body)
            assert r.status_code in (200, 201), r.text
        # (the pool holds several connections, idle when the server goes away)
        _, _, me_headers, _ = routes["authenticated"]
        at_once = await asyncio.gather(*(c.get("/api/v1/me", headers=me_headers) for _ in range(3)))
        assert [r.status_code for r in at_once] == [200] * 3
        embedded_postgres.stop(own_settings.data_dir)
        captured.clear()

        # when the authenticated and the public route are asked several times
        answers = {
            name: [
                await c.request(method, path, headers=headers, json=body)
                for _ in range(REQUESTS_PER_ROUTE)
            ]
            for name, (method, path, headers, body) in routes.items()
        }
        ready = await c.get("/readyz")

        # then each answer is a 503 problem saying the database is unavailable, with Retry-After
        for name, responses in answers.items():
            for r in responses:
                assert r.status_code == 503, (name, r.status_code, r.text)
                assert r.headers["content-type"] == PROBLEM_JSON
                assert int(r.headers["retry-after"]) > 0
                body = r.json()
                assert body["type"].endswith("/database-unavailable")
                assert body["title"] == "Database unavailable"
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
        # and the log has one line saying so, with no traceback
        records = [json.loads(line) for line in captured]
        outage_lines = [r for r in records if r["event"] == "database.unavailable"]
        assert len(outage_lines) == 1, outage_lines
        assert outage_lines[0]["level"] in {"warning", "error"}
        assert [r for r in records if "exception" in r or r["level"] == "critical"] == []
        assert "Traceback" not in "\n".join(captured)

        # when PostgreSQL is back
        embedded_postgres.start(own_settings.data_dir)

        # then the same requests succeed at once (the sale: the one reported before)
        for method, path, headers, body in routes.values():
            r = await c.request(method, path, headers=headers, json=body)
            assert r.status_code == 200, r.text
        assert (await c.get("/readyz")).status_code == 200
