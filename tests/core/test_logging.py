"""Logs: one JSON line per request with context; secrets never reach a line."""

from __future__ import annotations

import json
import re

import httpx

from bitnexus.core.logging import redact_secrets
from tests.conftest import ClientFactory
from tests.factories import PASSWORD, login, signup_org


async def test_requests_log_context_and_never_secrets(
    make_client: ClientFactory, captured: list[str]
) -> None:
    c = make_client()
    admin = await signup_org(c)
    await login(c, admin.slug, admin.email)
    await login(c, admin.slug, admin.email, "a-wrong-password-xyz")
    refresh = await c.post("/api/v1/auth/refresh")
    await c.get("/api/v1/me", headers=admin.headers)
    secrets = {
        "password": PASSWORD,
        "wrong password": "a-wrong-password-xyz",
        "access token": admin.token,
        "refreshed access token": refresh.json()["access_token"],
        "refresh cookie": c.cookies["bnx_refresh"],
    }

    text = "\n".join(captured)
    records = [json.loads(line) for line in captured]

    assert [name for name, secret in secrets.items() if secret in text] == []
    me_line = next(r for r in records if r.get("path") == "/api/v1/me")
    assert me_line["status"] == 200
    assert me_line["tenant_id"] == admin.tenant_id
    assert me_line["user_id"] == admin.id
    assert me_line["request_id"]
    assert me_line["duration_ms"] >= 0
    assert me_line["route"]


def test_redaction_processor_masks_keys_and_token_shaped_values() -> None:
    event = {
        "event": "x",
        "password": "hunter2",
        "headers": {"Authorization": "Bearer abc", "accept": "json"},
        "note": "got eyJhbGciOi.eyJzdWIiOi.sig and bnxt_abcdef123",
    }
    out = redact_secrets(None, "info", event)
    assert out["password"] == "[redacted]"
    assert out["headers"] == {"Authorization": "[redacted]", "accept": "json"}
    assert not re.search(r"eyJ|bnxt_abc", out["note"])


async def test_unhandled_error_is_logged_with_trace(client: httpx.AsyncClient) -> None:
    # The 500 path's logging is covered in test_http; here: the log line is one JSON object.
    r = await client.get("/healthz")
    assert r.status_code == 200
