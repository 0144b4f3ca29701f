"""Who may join which topic: every kind, for its own and for another organisation."""

from __future__ import annotations

import uuid

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outbox import ledger_topic
from tests.factories import make_ledger, signup_org
from tests.realtime.conftest import Org
from tests.realtime.support import authenticated, events, join, request

# (who joins, the topic, allowed): `own`/`other` name the joiner's or another organisation
CASES = [
    ("affiliate", "user:self", True),
    ("affiliate", "user:vendor", False),
    ("admin", "user:affiliate", False),
    ("affiliate", "tenant:own", True),
    ("vendor", "tenant:own", True),
    ("admin", "tenant:other", False),
    ("admin", "admins:own", True),
    ("affiliate", "admins:own", False),
    ("vendor", "admins:own", False),
    ("admin", "admins:other", False),
    ("admin", "ledger:own", True),
    ("affiliate", "ledger:own", False),
    ("vendor", "ledger:own", False),
    ("admin", "ledger:other", False),
    ("admin", "user:other-org-admin", False),
]


@pytest.mark.parametrize(("who", "name", "allowed"), CASES, ids=[f"{w}-{t}" for w, t, _ in CASES])
async def test_joining_a_topic_is_allowed_only_to_those_who_may_see_it(
    socket_server: str, org: Org, other_org: Org, who: str, name: str, allowed: bool
) -> None:
    # given
    joiner = getattr(org, who)
    kind, _, whose = name.partition(":")
    ident = {
        "self": joiner.id,
        "vendor": org.vendor.id,
        "affiliate": org.affiliate.id,
        "own": str(org.tenant_id),
        "other": str(other_org.tenant_id),
        "other-org-admin": other_org.admin.id,
    }[whose]
    topic = f"{kind}:{ident}"
    async with authenticated(socket_server, joiner.token) as ws:
        # when they join
        if allowed:
            # then they are in
            assert await join(ws, topic) == []
        else:
            # then they are refused by a message, and the socket stays open
            reply = await request(ws, op="join", topic=topic, ref="j")
            assert reply == {
                "op": "error",
                "ref": "j",
                "code": "forbidden",
                "message": f"You may not join {topic}.",
            }
            assert await request(ws, op="ping") == {"op": "pong"}


@pytest.fixture
async def other_org(org: Org) -> Org:
    """A second organisation (only its admin and tenant are used)."""

    admin = await signup_org(org.admin.client)
    return Org(admin, admin, admin)


async def test_a_topic_is_named_exactly_as_events_are_sent_to_it(
    socket_server: str, org: Org
) -> None:
    # given a user's id in another spelling than the canonical one
    shouted = f"user:{str(uuid.UUID(org.affiliate.id)).upper()}"
    async with authenticated(socket_server, org.affiliate.token) as ws:
        reply = await request(ws, op="join", topic=shouted)
    assert reply["code"] == "unknown_topic"


async def test_the_ledger_topic_carries_the_checkpoints_the_sealer_announces(
    socket_server: str, org: Org, db_urls: DatabaseUrls, settings: Settings
) -> None:
    # given an admin following their organisation's ledger
    async with authenticated(socket_server, org.admin.token) as ws:
        await join(ws, ledger_topic(org.tenant_id))

        # when a sale is posted and its block sealed
        await make_ledger(db_urls, settings, org.admin, 1, seal_at=(1,))

        # then the checkpoint arrives (after whatever else the ledger announced)
        while (event := (await events(ws, 1))[0])["type"] != "ledger.checkpoint":
            assert event["type"].startswith("ledger."), event
    assert (event["data"]["height"], event["data"]["tree_size"]) == (0, 1)
