"""Reading a topic's backlog from the outbox: as the caller's organisation, under row
security, so another organisation's events never come back, whatever topic is asked for."""

from __future__ import annotations

import uuid

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.feed import backlog
from bitnexus.core.outbox import NewEvent, emit, tenant_topic, user_topic
from tests.conftest import ClientFactory
from tests.factories import signup_org


async def _tenant(make_client: ClientFactory) -> uuid.UUID:
    return uuid.UUID((await signup_org(make_client())).tenant_id)


async def _write(db: Database, tenant: uuid.UUID, *events: NewEvent) -> None:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant)
        await emit(session, *events)


async def test_the_backlog_is_the_topics_events_after_an_id_oldest_first(
    db: Database, make_client: ClientFactory
) -> None:
    # given three events of a topic and one of another, in one organisation
    tenant = await _tenant(make_client)
    mine, other = user_topic(uuid.uuid4()), user_topic(uuid.uuid4())
    await _write(
        db,
        tenant,
        *(NewEvent(tenant, "test.mine", {"n": n}, [mine]) for n in range(3)),
        NewEvent(tenant, "test.other", {}, [other]),
    )
    first = (await backlog(db, tenant, mine, 0, 10))[0]

    # when the backlog after the first is read, two at most
    got = await backlog(db, tenant, mine, first.id, 2)

    # then
    assert [e.data["n"] for e in got] == [1, 2]
    assert all(e.topics == (mine,) for e in got)


async def test_another_organisations_events_are_never_in_a_backlog(
    db: Database, make_client: ClientFactory
) -> None:
    # given an event on organisation B's topic
    a, b = await _tenant(make_client), await _tenant(make_client)
    await _write(db, b, NewEvent(b, "test.secret", {}, [tenant_topic(b)]))
    assert len(await backlog(db, b, tenant_topic(b), 0, 10)) == 1

    # when organisation A's caller reads that topic's backlog, then row security hides it
    assert await backlog(db, a, tenant_topic(b), 0, 10) == []
