"""The ledger's Server-Sent Events through a real server process."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import keys, service, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from tests.e2e.conftest import api_client
from tests.factories import signup_affiliate, signup_org, unique_slug

Event = tuple[str, str, dict[str, object]]


async def _subscribed(lines: AsyncIterator[str]) -> None:
    """Return once the stream has begun (its `retry:` line): the server has fixed where this
    subscriber starts, so what is written from now on reaches it."""
    async for line in lines:
        if line.startswith("retry: "):
            return
    raise AssertionError("the stream ended before it began")


async def _read_events(lines: AsyncIterator[str], want: int) -> list[Event]:
    events: list[Event] = []
    event_id = kind = ""
    async for line in lines:
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            events.append((kind, event_id, json.loads(line[6:])))
            if len(events) >= want:
                return events
    return events


async def test_new_transactions_and_blocks_stream_and_resume(
    server_url: str, db_urls: DatabaseUrls, settings: Settings
) -> None:
    slug = unique_slug("sse")
    async with api_client(server_url) as c:
        admin = await signup_org(c, organisation_name="SSE Org", slug=slug, name="Ada")
        token, tid = admin.token, uuid.UUID(admin.tenant_id)
        headers = {"Authorization": f"Bearer {token}"}
        db = Database(db_urls.app, pool_size=2)

        async def write() -> None:
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)
                await service.open_account(s, tid, code="a", kind=AccountKind.asset, currency="USD")
                await service.open_account(
                    s, tid, code="b", kind=AccountKind.revenue, currency="USD"
                )
                for i in range(2):
                    await service.post_transaction(
                        s,
                        tid,
                        idempotency_key=f"k{i}",
                        description=f"Sale {i}",
                        postings=[P("a", 10, "USD"), P("b", -10, "USD")],
                    )
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)
                await tree.integrate(s, tid)
                await tree.seal(s, tid, keys.identity_for(settings, slug))

        try:
            async with c.stream("GET", "/api/v1/ledger/stream", headers=headers) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                lines = response.aiter_lines()
                await asyncio.wait_for(_subscribed(lines), timeout=30)
                await write()
                events = await asyncio.wait_for(_read_events(lines, 3), timeout=30)
            async with c.stream(
                "GET", "/api/v1/ledger/stream", headers={**headers, "Last-Event-ID": "h-1-s0"}
            ) as again:
                resumed = await asyncio.wait_for(_read_events(again.aiter_lines(), 2), timeout=30)
        finally:
            await db.dispose()

    assert [(k, d.get("seq", d.get("tree_size"))) for k, _, d in events] == [
        ("transaction", 0),
        ("transaction", 1),
        ("block", 2),
    ]
    assert events[2][1] == "h0-s1"
    assert [(k, d.get("seq", d.get("height"))) for k, _, d in resumed] == [
        ("transaction", 1),
        ("block", 0),
    ]


async def test_the_stream_is_for_tenant_admins(server_url: str) -> None:
    async with api_client(server_url) as c:
        admin = await signup_org(c)
        affiliate = await signup_affiliate(c, admin.slug)
        r = await c.get("/api/v1/ledger/stream", headers=affiliate.headers)
        anon = await c.get("/api/v1/ledger/stream")
    assert r.status_code == 403
    assert anon.status_code == 401
