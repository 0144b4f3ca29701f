"""The socket's protocol: authentication first, then joins, leaves, pings, and a clear error
for anything else (docs/realtime.md)."""

from __future__ import annotations

import uuid

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.outbox import NewEvent, user_topic
from bitnexus.realtime.protocol import Close
from tests.realtime.conftest import Org, write_events
from tests.realtime.support import (
    authenticated,
    closed_with,
    events,
    join,
    opened,
    receive,
    request,
    send,
    token_of,
)


async def test_the_first_message_authenticates_and_events_of_joined_topics_arrive(
    socket_server: str, org: Org, db: Database
) -> None:
    # given an affiliate's socket, authenticated with their access token
    me = org.affiliate
    async with opened(socket_server) as ws:
        reply = await request(ws, op="auth", token=me.token, ref="a1")
        assert reply == {
            "op": "authenticated",
            "ref": "a1",
            "user_id": me.id,
            "tenant_id": me.tenant_id,
            "role": "affiliate",
            "idle_seconds": 60.0,
        }

        # when they join their own topic and an event for them commits
        topic = user_topic(uuid.UUID(me.id))
        assert await join(ws, topic) == []
        await write_events(
            db, org.tenant_id, NewEvent(org.tenant_id, "test.hello", {"n": 1}, [topic])
        )

        # then it arrives, as the outbox wrote it
        [event] = await events(ws, 1)
        assert (event["type"], event["data"], event["topics"]) == ("test.hello", {"n": 1}, [topic])
        assert isinstance(event["id"], int)

        # and a ping is answered, a leave confirmed
        assert await request(ws, op="ping", ref=7) == {"op": "pong", "ref": 7}
        assert await request(ws, op="leave", topic=topic) == {"op": "left", "topic": topic}


@pytest.mark.parametrize(
    "first",
    [
        '{"op": "join", "topic": "tenant:x"}',
        '{"op": "auth", "token": "not-a-token"}',
        '{"op": "auth"}',
        "not json",
    ],
    ids=["join-before-auth", "bad-token", "no-token", "not-json"],
)
async def test_anything_but_a_valid_auth_first_closes_the_socket(
    socket_server: str, first: str
) -> None:
    async with opened(socket_server) as ws:
        await ws.send(first)
        assert await closed_with(ws) == Close.NOT_AUTHENTICATED


async def test_an_expired_token_is_refused(
    socket_server: str, org: Org, settings: Settings
) -> None:
    # given a token of a real user that expired a minute ago
    token = token_of(settings.secret, org.affiliate.user, ttl_seconds=-60)
    async with opened(socket_server) as ws:
        await send(ws, op="auth", token=token)
        assert await closed_with(ws) == Close.NOT_AUTHENTICATED


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("[1, 2]", "bad_json"),
        ("{", "bad_json"),
        ('{"op": "subscribe", "topic": "x"}', "unknown_op"),
        ('{"topic": "x"}', "unknown_op"),
        ('{"op": "join"}', "bad_field"),
        ('{"op": "join", "topic": 5}', "bad_field"),
        ('{"op": "join", "topic": "x", "after": -1}', "bad_field"),
        ('{"op": "join", "topic": "x", "after": "7"}', "bad_field"),
        ('{"op": "join", "topic": "x", "after": 9223372036854775808}', "bad_field"),
        ('{"op": "join", "topic": "x", "colour": "red"}', "bad_field"),
        ('{"op": "join", "topic": "chat:lobby"}', "unknown_topic"),
        ('{"op": "join", "topic": "user:ABC"}', "unknown_topic"),
        ('{"op": "leave", "topic": "tenant:00000000-0000-0000-0000-000000000000"}', "not_joined"),
        ('{"op": "auth", "token": "expired-or-forged"}', "auth_refused"),
        ('{"op": "ping", "pad": "' + "x" * 9000 + '"}', "too_large"),
    ],
)
async def test_a_message_the_server_cannot_act_on_gets_an_error_and_the_socket_stays(
    socket_server: str, org: Org, message: str, code: str
) -> None:
    async with authenticated(socket_server, org.affiliate.token) as ws:
        # when
        await ws.send(message)

        # then an error says what is wrong, and the socket still answers
        reply = await receive(ws)
        assert (reply["op"], reply["code"]) == ("error", code), reply
        assert reply["message"]
        assert await request(ws, op="ping") == {"op": "pong"}


async def test_a_refreshed_token_replaces_the_old_one(socket_server: str, org: Org) -> None:
    # given a socket authenticated with a token, and a fresh token after a refresh
    me = org.affiliate
    r = await me.client.post("/api/v1/auth/refresh")
    assert r.status_code == 200, r.text
    fresh = r.json()["access_token"]
    async with authenticated(socket_server, me.token) as ws:
        # when the client re-authenticates, then the server takes the new token
        reply = await request(ws, op="auth", token=fresh, ref="again")
        assert (reply["op"], reply["ref"], reply["user_id"]) == ("authenticated", "again", me.id)

        # but never another user's token
        other = await request(ws, op="auth", token=org.vendor.token)
        assert (other["op"], other["code"]) == ("error", "auth_refused")


async def test_a_message_far_too_large_closes_the_socket(socket_server: str, org: Org) -> None:
    async with authenticated(socket_server, org.affiliate.token) as ws:
        # when a client sends a message past what the server reads at all (64 KiB)
        await ws.send('{"op": "ping", "pad": "' + "x" * 100_000 + '"}')

        # then the server closes the socket as sent too large a message (RFC 6455: 1009)
        assert await closed_with(ws) == 1009
