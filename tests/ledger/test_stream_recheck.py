"""A long-lived ledger stream re-checks its caller and ends once they may no longer read it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.security import issue_access_token
from tests.conftest import launch_server
from tests.factories import signup_org, unique_slug

RECHECK_SECONDS = 1


@pytest.fixture(scope="module")
def server_url(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    proc, url = launch_server(settings, BITNEXUS_STREAM_RECHECK_SECONDS=str(RECHECK_SECONDS))
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.parametrize("change", ["suspend_user", "suspend_tenant", "demote"])
async def test_a_stream_closes_once_its_admin_is_suspended_or_demoted(
    server_url: str, owner_engine: Engine, change: str
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=20) as c:
        # given: a tenant admin reading the ledger stream
        admin = await signup_org(c, organisation_name="Stream Org", slug=unique_slug("sse"))
        token, user = admin.token, admin.user
        headers = {"Authorization": f"Bearer {token}"}
        async with c.stream("GET", "/api/v1/ledger/stream", headers=headers) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith("retry:")

            # when
            statement = {
                "suspend_user": "UPDATE users SET status = 'suspended' WHERE id = :u",
                "suspend_tenant": "UPDATE tenants SET status = 'suspended'"
                " WHERE id = (SELECT tenant_id FROM users WHERE id = :u)",
                "demote": "UPDATE users SET role = 'vendor' WHERE id = :u",
            }[change]
            with owner_engine.begin() as conn:
                conn.execute(text(statement), {"u": user["id"]})
            changed = time.monotonic()

            # then: the server ends the stream within the interval (plus a poll and load)
            async def drain() -> None:
                async for _ in lines:
                    pass

            await asyncio.wait_for(drain(), timeout=RECHECK_SECONDS + 10)
        assert time.monotonic() - changed < RECHECK_SECONDS + 10


async def test_a_stream_closes_once_its_token_expires(server_url: str, settings: Settings) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=20) as c:
        # given: a tenant admin reading the ledger stream with a token that expires in 2 s
        user = (await signup_org(c, organisation_name="Stream Org", slug=unique_slug("sse"))).user
        token, claims = issue_access_token(
            settings.secret,
            user_id=uuid.UUID(user["id"]),
            tenant_id=uuid.UUID(user["tenant"]["id"]),
            role=user["role"],
            ttl_seconds=2,
            credential_version=0,
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with c.stream("GET", "/api/v1/ledger/stream", headers=headers) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith("retry:")

            # when the token expires, then the server ends the stream within the interval
            async def drain() -> None:
                async for _ in lines:
                    pass

            await asyncio.wait_for(drain(), timeout=2 + RECHECK_SECONDS + 10)
        assert time.time() >= claims.expires_at
        assert (await c.get("/api/v1/me", headers=headers)).status_code == 401
