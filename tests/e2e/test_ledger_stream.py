"""The ledger's Server-Sent Events through a real server process: fed by the outbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outbox import NewEvent, emit, ledger_topic, tenant_topic
from tests.e2e.conftest import api_client
from tests.factories import make_ledger, signup_affiliate, signup_org, unique_slug

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


async def _read_until_block(lines: AsyncIterator[str]) -> list[Event]:
    events: list[Event] = []
    while not events or events[-1][0] != "block":
        events += await _read_events(lines, 1)
    return events


async def test_the_stream_carries_the_ledger_events_of_the_outbox_and_resumes(
    server_url: str, db_urls: DatabaseUrls, settings: Settings
) -> None:
    async with api_client(server_url) as c:
        # given a tenant admin reading the ledger stream
        admin = await signup_org(c, organisation_name="SSE Org", slug=unique_slug("sse"))
        tid = uuid.UUID(admin.tenant_id)
        db = Database(db_urls.app, pool_size=2)
        announced = {"sequence": 0, "hash": "00" * 32}
        try:
            async with c.stream("GET", "/api/v1/ledger/stream", headers=admin.headers) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                lines = response.aiter_lines()
                await asyncio.wait_for(_subscribed(lines), timeout=30)

                # when a transaction is announced in the outbox (as the ledger announces them),
                # an event of another topic commits, and a block is sealed
                async with db.sessionmaker() as s, s.begin():
                    await set_tenant(s, tid)
                    await emit(
                        s,
                        NewEvent(tid, "ledger.transaction", announced, [ledger_topic(tid)]),
                        NewEvent(tid, "test.elsewhere", {}, [tenant_topic(tid)]),
                    )
                await make_ledger(db_urls, settings, admin, 1, seal_at=(1,))

                # then the stream carries the announced transaction, then the block: the
                # outbox's events, not rows polled from the ledger's tables
                events = await asyncio.wait_for(_read_until_block(lines), timeout=30)
            first_id = events[0][1]
            async with c.stream(
                "GET", "/api/v1/ledger/stream", headers={**admin.headers, "Last-Event-ID": first_id}
            ) as again:
                resumed = await asyncio.wait_for(
                    _read_events(again.aiter_lines(), len(events) - 1), timeout=30
                )
        finally:
            await db.dispose()

    kind, _, body = events[0]
    assert (kind, body["type"], body["data"]) == ("transaction", "ledger.transaction", announced)
    kind, _, block = events[-1]
    assert (kind, block["type"], block["data"]["height"], block["data"]["tree_size"]) == (
        "block",
        "ledger.checkpoint",
        0,
        1,
    )
    assert all(e[2]["type"].startswith("ledger.") for e in events)
    assert [int(e[1]) for e in events] == sorted(int(e[1]) for e in events)
    # and a stream resumed after the first event starts right after it
    assert [e[1] for e in resumed] == [e[1] for e in events[1:]]


async def test_the_stream_is_for_tenant_admins(server_url: str) -> None:
    async with api_client(server_url) as c:
        admin = await signup_org(c)
        affiliate = await signup_affiliate(c, admin.slug)
        r = await c.get("/api/v1/ledger/stream", headers=affiliate.headers)
        anon = await c.get("/api/v1/ledger/stream")
    assert r.status_code == 403
    assert anon.status_code == 401
