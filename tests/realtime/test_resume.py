"""Resuming after a lost connection: the events of a topic after the last one seen, from the
outbox, then the live ones, with no gap and no duplicate at the switch."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bitnexus.core.db import Database
from bitnexus.core.feed import backlog
from bitnexus.core.outbox import NewEvent, user_topic
from bitnexus.realtime.socket import RESUME_LIMIT
from tests.realtime.conftest import Org, write_events
from tests.realtime.support import authenticated, events, join, receive, request, send

SWITCHES = 20


async def _written(db: Database, tenant: uuid.UUID, topic: str) -> list[int]:
    """The ids of the events of `topic` in the outbox, oldest first."""
    return [e.id for e in await backlog(db, tenant, topic, 0, 100_000)]


def _numbered(tenant: uuid.UUID, topic: str, *numbers: int) -> list[NewEvent]:
    return [NewEvent(tenant, "test.numbered", {"n": n}, [topic]) for n in numbers]


async def test_a_reconnecting_client_gets_what_it_missed_then_live_events(
    socket_server: str, org: Org, db: Database
) -> None:
    # given an affiliate who saw two events, then lost their socket while two more committed
    me, tenant = org.affiliate, org.tenant_id
    topic = user_topic(uuid.UUID(me.id))
    async with authenticated(socket_server, me.token) as ws:
        await join(ws, topic)
        await write_events(db, tenant, *_numbered(tenant, topic, 1, 2))
        seen = await events(ws, 2)
    await write_events(db, tenant, *_numbered(tenant, topic, 3, 4))

    async with authenticated(socket_server, me.token) as ws:
        # when they join again after the last event they saw
        replayed = await join(ws, topic, after=seen[-1]["id"])
        await write_events(db, tenant, *_numbered(tenant, topic, 5))
        live = await events(ws, 1)

    # then the missed ones came before `joined`, the new one after
    assert [e["data"]["n"] for e in seen + replayed + live] == [1, 2, 3, 4, 5]


async def test_no_event_is_lost_or_sent_twice_when_a_join_switches_to_live(
    socket_server: str, org: Org, db: Database
) -> None:
    # given events committing one after another (so their ids are in commit order)
    me, tenant = org.affiliate, org.tenant_id
    topic = user_topic(uuid.UUID(me.id))
    writing_done = asyncio.Event()

    async def writer() -> None:
        n = 0
        while not writing_done.is_set():
            n += 1
            await write_events(db, tenant, *_numbered(tenant, topic, n))

    got: list[dict[str, Any]] = []
    async with authenticated(socket_server, me.token) as ws:
        await join(ws, topic)
        writing = asyncio.create_task(writer())
        try:
            # when the client leaves and joins again, resuming, many times while they commit
            for _ in range(SWITCHES):
                got += await events(ws, 3)
                await send(ws, op="leave", topic=topic)
                while "event" in (frame := await receive(ws)):
                    got.append(frame["event"])
                assert frame == {"op": "left", "topic": topic}
                got += await join(ws, topic, after=max(e["id"] for e in got))
        finally:
            writing_done.set()
            await writing
        last = (await _written(db, tenant, topic))[-1]
        while got[-1]["id"] != last:
            got += await events(ws, 1)

    # then every event came exactly once, in order
    numbers = [e["data"]["n"] for e in got]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_a_topic_joined_without_a_position_starts_from_now(
    socket_server: str, org: Org, db: Database
) -> None:
    me, tenant = org.affiliate, org.tenant_id
    topic = user_topic(uuid.UUID(me.id))
    await write_events(db, tenant, *_numbered(tenant, topic, 1))
    async with authenticated(socket_server, me.token) as ws:
        assert await join(ws, topic) == []
        await write_events(db, tenant, *_numbered(tenant, topic, 2))
        assert [e["data"]["n"] for e in await events(ws, 1)] == [2]


async def test_a_client_too_far_behind_is_told_to_reload_instead_of_replayed(
    socket_server: str, org: Org, db: Database
) -> None:
    # given more events missed than a join replays (1,000)
    me, tenant = org.affiliate, org.tenant_id
    topic = user_topic(uuid.UUID(me.id))
    await write_events(db, tenant, *_numbered(tenant, topic, 0))
    [last] = await _written(db, tenant, topic)
    await write_events(db, tenant, *_numbered(tenant, topic, *range(1, RESUME_LIMIT + 2)))

    async with authenticated(socket_server, me.token) as ws:
        # when the client resumes after the last one it saw
        reply = await request(ws, op="join", topic=topic, after=last)

        # then nothing is replayed: `reset` says to reload, and live events follow
        assert reply == {"op": "joined", "topic": topic, "reset": True}
        await write_events(db, tenant, *_numbered(tenant, topic, -1))
        assert [e["data"]["n"] for e in await events(ws, 1)] == [-1]
