"""A socket's caller is checked again every `socket_revalidate_seconds` (1 s here): the socket
closes once they may no longer use it, and leaves the topics a new role no longer sees."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.outbox import admins_topic
from bitnexus.realtime.protocol import Close
from tests.realtime.conftest import Org
from tests.realtime.support import (
    authenticated,
    closed_with,
    join,
    receive,
    request,
    token_of,
)

CHANGES = {
    "user-suspended": "UPDATE users SET status = 'suspended' WHERE id = :u",
    "organisation-suspended": "UPDATE tenants SET status = 'suspended'"
    " WHERE id = (SELECT tenant_id FROM users WHERE id = :u)",
}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_socket_closes_once_its_user_or_organisation_is_suspended(
    socket_server: str, org: Org, owner_engine: Engine, change: str
) -> None:
    # given an affiliate's socket with a topic joined
    me = org.affiliate
    async with authenticated(socket_server, me.token) as ws:
        await join(ws, f"tenant:{org.tenant_id}")

        # when they (or their organisation) are suspended
        with owner_engine.begin() as conn:
            conn.execute(text(CHANGES[change]), {"u": me.id})

        # then the server closes the socket, saying why
        assert await closed_with(ws) == Close.SUSPENDED


async def test_a_socket_closes_once_its_sessions_are_ended(
    socket_server: str, org: Org, http: httpx.AsyncClient
) -> None:
    # given an affiliate's socket
    me = org.affiliate
    async with authenticated(socket_server, me.token) as ws:
        # when they log out everywhere (the token is revoked before it expires)
        r = await http.delete("/api/v1/me/sessions", headers=me.headers)
        assert r.status_code == 204, r.text

        # then the socket closes as unauthenticated
        assert await closed_with(ws) == Close.NOT_AUTHENTICATED


async def test_a_socket_closes_once_its_token_expires(
    socket_server: str, org: Org, settings: Settings
) -> None:
    # given a socket authenticated with a token that expires in two seconds
    token = token_of(settings.secret, org.affiliate.user, ttl_seconds=2)
    async with authenticated(socket_server, token) as ws:
        # when it expires and no fresh token is sent, then the socket closes
        assert await closed_with(ws) == Close.NOT_AUTHENTICATED


async def test_a_role_change_leaves_the_topics_the_new_role_may_not_see(
    socket_server: str, org: Org, owner_engine: Engine
) -> None:
    # given an admin following the admins' and the organisation's topics
    admin = org.admin
    admins, everyone = admins_topic(org.tenant_id), f"tenant:{org.tenant_id}"
    async with authenticated(socket_server, admin.token) as ws:
        await join(ws, admins)
        await join(ws, everyone)

        # when they become a vendor
        with owner_engine.begin() as conn:
            conn.execute(text("UPDATE users SET role = 'vendor' WHERE id = :u"), {"u": admin.id})

        # then the socket leaves the admins' topic (only), and stays open
        assert await receive(ws) == {"op": "left", "topic": admins, "reason": "forbidden"}
        assert await request(ws, op="join", topic=admins) == {
            "op": "error",
            "code": "forbidden",
            "message": f"You may not join {admins}.",
        }
        assert await request(ws, op="join", topic=everyone) == {
            "op": "joined",
            "topic": everyone,
            "reset": False,
        }
