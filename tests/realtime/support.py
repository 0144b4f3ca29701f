"""A test's side of the socket protocol (docs/realtime.md), over the `websockets` client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bitnexus.core.security import issue_access_token

WAIT_SECONDS = 30.0  # a ceiling, not a wait: each step goes on as soon as its frame arrives


def socket_url(server: str) -> str:
    return server.replace("http://", "ws://", 1) + "/api/v1/socket"


@contextlib.asynccontextmanager
async def opened(server: str, **options: Any) -> AsyncIterator[ClientConnection]:
    """A socket, not yet authenticated (no protocol pings: the server must see our own)."""
    async with connect(socket_url(server), ping_interval=None, **options) as ws:
        yield ws


@contextlib.asynccontextmanager
async def authenticated(server: str, token: str, **options: Any) -> AsyncIterator[ClientConnection]:
    async with opened(server, **options) as ws:
        await send(ws, op="auth", token=token)
        reply = await receive(ws)
        assert reply["op"] == "authenticated", reply
        yield ws


async def send(ws: ClientConnection, **message: Any) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next frame: a reply (text, with its `op`), or an event (binary) as {"event": ...}."""
    frame = await asyncio.wait_for(ws.recv(), WAIT_SECONDS)
    if isinstance(frame, bytes):
        return {"event": orjson.loads(frame)}
    parsed: dict[str, Any] = json.loads(frame)
    return parsed


async def request(ws: ClientConnection, **message: Any) -> dict[str, Any]:
    """Send a message and return the next reply (events before it are not expected)."""
    await send(ws, **message)
    return await receive(ws)


async def join(ws: ClientConnection, topic: str, after: int | None = None) -> list[dict[str, Any]]:
    """Join `topic` (resuming after `after`): the events replayed before `joined`."""
    await send(ws, op="join", topic=topic, **({} if after is None else {"after": after}))
    replayed = []
    while "event" in (frame := await receive(ws)):
        replayed.append(frame["event"])
    assert frame == {"op": "joined", "topic": topic, "reset": False}, frame
    return replayed


async def events(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    got = []
    while len(got) < count:
        frame = await receive(ws)
        assert "event" in frame, frame
        got.append(frame["event"])
    return got


async def closed_with(ws: ClientConnection) -> int:
    """Read until the server closes the socket; its close code."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), WAIT_SECONDS)
    assert ws.close_code is not None
    return ws.close_code


def token_of(secret: str, user: dict[str, Any], ttl_seconds: int) -> str:
    """An access token for a real user (as `/me` reads them) living `ttl_seconds` from now
    (negative: expired that long ago)."""
    token, _ = issue_access_token(
        secret,
        user_id=uuid.UUID(user["id"]),
        tenant_id=uuid.UUID(user["tenant"]["id"]),
        role=user["role"],
        ttl_seconds=ttl_seconds,
        credential_version=0,
    )
    return token
