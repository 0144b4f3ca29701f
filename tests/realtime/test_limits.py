"""Limits: topics per socket, sockets per user and per organisation (tests/realtime/conftest
LIMITS: 3, 3 and 5), a silent socket's timeout, and a slow reader dropped while the others
go on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outbox import NewEvent, tenant_topic, user_topic
from bitnexus.realtime.protocol import Close
from tests.conftest import launch_server
from tests.factories import Account
from tests.realtime.conftest import LIMITS, Org, write_events
from tests.realtime.support import (
    authenticated,
    closed_with,
    events,
    join,
    opened,
    request,
    send,
)

IDLE_SECONDS = 3
BIG = "x" * 8000  # an event's data: a few of them fill a socket's buffers


@pytest.fixture(scope="module")
def impatient_server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    """A server that closes a socket silent for a few seconds."""
    proc, url = launch_server(settings, BITNEXUS_SOCKET_IDLE_SECONDS=str(IDLE_SECONDS))
    yield url
    proc.terminate()
    proc.wait(timeout=30)


async def test_a_socket_joins_at_most_its_limit_of_topics(socket_server: str, org: Org) -> None:
    # given an admin who joined as many topics as a socket may (3)
    admin, tenant = org.admin, org.tenant_id
    topics = [user_topic(uuid.UUID(admin.id)), tenant_topic(tenant), f"admins:{tenant}"]
    assert len(topics) == int(LIMITS["BITNEXUS_SOCKET_MAX_TOPICS"])
    async with authenticated(socket_server, admin.token) as ws:
        for topic in topics:
            await join(ws, topic)

        # when they join one more, then it is refused by a message
        reply = await request(ws, op="join", topic=f"ledger:{tenant}", ref=4)
        assert (reply["code"], reply["ref"]) == ("too_many_topics", 4)

        # and once they left one, they may
        assert await request(ws, op="leave", topic=topics[0]) == {"op": "left", "topic": topics[0]}
        await join(ws, f"ledger:{tenant}")


async def _sockets(server: str, who: Account, count: int, stack: contextlib.AsyncExitStack) -> None:
    for _ in range(count):
        await stack.enter_async_context(authenticated(server, who.token))


async def _refused(server: str, who: Account) -> int:
    async with opened(server) as ws:
        await send(ws, op="auth", token=who.token)
        return await closed_with(ws)


async def test_a_user_holds_at_most_their_limit_of_sockets(socket_server: str, org: Org) -> None:
    async with contextlib.AsyncExitStack() as stack:
        # given an affiliate with as many sockets open as one user may hold
        await _sockets(
            socket_server, org.affiliate, int(LIMITS["BITNEXUS_SOCKET_MAX_PER_USER"]), stack
        )

        # when they open one more, then it is closed as one too many
        assert await _refused(socket_server, org.affiliate) == Close.TOO_MANY

    # and once theirs are closed, they may open one again
    async with authenticated(socket_server, org.affiliate.token) as ws:
        assert await request(ws, op="ping") == {"op": "pong"}


async def test_an_organisation_holds_at_most_its_limit_of_sockets(
    socket_server: str, org: Org
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        # given an organisation whose admin and vendor hold as many sockets as it may (3 + 2)
        await _sockets(socket_server, org.admin, 3, stack)
        await _sockets(socket_server, org.vendor, 2, stack)

        # when its affiliate opens one, then it is closed as one too many
        assert await _refused(socket_server, org.affiliate) == Close.TOO_MANY


async def test_a_silent_socket_is_closed_and_pings_keep_one_open(
    impatient_server: str, org: Org
) -> None:
    # given two sockets of a server that closes sockets silent for a few seconds
    async with (
        authenticated(impatient_server, org.affiliate.token) as chatty,
        authenticated(impatient_server, org.affiliate.token) as silent,
    ):
        # when one pings every few tenths of a second and the other says nothing
        async def ping_until_closed() -> None:
            while silent.close_code is None:
                assert await request(chatty, op="ping") == {"op": "pong"}
                await asyncio.sleep(IDLE_SECONDS / 10)

        pinging = asyncio.create_task(ping_until_closed())

        # then the silent one is closed as idle, the other stays open
        assert await closed_with(silent) == Close.IDLE
        await pinging
        assert await request(chatty, op="ping") == {"op": "pong"}


@contextlib.asynccontextmanager
async def _small_window(server: str, token: str) -> AsyncIterator[ClientConnection]:
    """A socket whose client takes few bytes before it reads (a small receive buffer)."""
    host, port = server.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    async with authenticated(server, token, sock=sock, max_queue=1) as ws:
        yield ws


async def test_a_slow_reader_is_dropped_and_the_others_keep_receiving(
    socket_server: str, org: Org, db: Database
) -> None:
    # given two sockets on the organisation's topic: one reads, the other has stopped reading
    tenant = org.tenant_id
    topic = tenant_topic(tenant)
    burst = 100  # per transaction, below the queue of 200 a socket may have waiting
    async with (
        authenticated(socket_server, org.admin.token) as reader,
        _small_window(socket_server, org.affiliate.token) as slow,
    ):
        await join(reader, topic)
        await join(slow, topic)
        others = contextlib.AsyncExitStack()
        await _sockets(socket_server, org.affiliate, 2, others)  # the user is at their limit

        # when bursts of events commit until the slow one has been let go (its user may
        # open a new socket once the server has closed and forgotten the slow one)
        sent = 0
        while True:
            batch = [
                NewEvent(tenant, "test.big", {"n": sent + i, "pad": BIG}, [topic])
                for i in range(burst)
            ]
            await write_events(db, tenant, *batch)
            sent += burst
            # then the reading socket gets every event
            got = await events(reader, burst)
            assert [e["data"]["n"] for e in got] == list(range(sent - burst, sent))
            if await _admitted(socket_server, org.affiliate):
                break
            assert sent < 200 * burst, "the slow socket was never dropped"

        # and the slow one, reading at last, finds itself closed as having fallen behind
        assert await closed_with(slow) == Close.FELL_BEHIND
        await others.aclose()


async def _admitted(server: str, who: Account) -> bool:
    """Whether the server lets `who` open one more socket now (closed again at once)."""
    async with opened(server) as ws:
        await send(ws, op="auth", token=who.token)
        with contextlib.suppress(ConnectionClosed):
            return json.loads(await ws.recv())["op"] == "authenticated"
        assert ws.close_code == Close.TOO_MANY
        return False
