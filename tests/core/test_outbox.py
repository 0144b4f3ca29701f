"""The outbox and its dispatcher: an event exists exactly when its change committed, and every
listening process hears of it once, including after its connection to PostgreSQL was lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core import events
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.events import Dispatcher, Dropped, Event, Subscription
from bitnexus.core.outbox import NewEvent, emit, user_topic
from tests.conftest import ClientFactory
from tests.factories import signup_org
from tests.superuser import superuser_count
from tests.waiting import eventually, holds


@pytest.fixture
async def dispatcher(db_urls: DatabaseUrls) -> AsyncIterator[Dispatcher]:
    running = Dispatcher(libpq(db_urls.app), retry_seconds=0.2)
    await running.start()
    assert running.listening
    yield running
    await running.close()


@pytest.fixture
async def tenant(make_client: ClientFactory) -> uuid.UUID:
    return uuid.UUID((await signup_org(make_client())).tenant_id)


async def _emit(db: Database, tenant: uuid.UUID, *new: NewEvent, commit: bool = True) -> None:
    async with db.sessionmaker() as session:
        await session.begin()
        await set_tenant(session, tenant)
        await emit(session, *new)
        await (session.commit() if commit else session.rollback())


def _event(tenant: uuid.UUID, kind: str, *topics: str, **data: object) -> NewEvent:
    return NewEvent(tenant, kind, data, topics)


async def _received(subscription: Subscription, count: int) -> list[Event]:
    return [await asyncio.wait_for(subscription.next(), timeout=30) for _ in range(count)]


async def test_a_committed_event_reaches_the_subscribers_of_its_topics(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    # given one subscriber to a user's topic, one to another user's, one to everything
    me, someone = user_topic(uuid.uuid4()), user_topic(uuid.uuid4())
    mine, theirs = dispatcher.subscribe([me]), dispatcher.subscribe([someone])
    everything = dispatcher.subscribe(None)

    # when a transaction writes an event for the first user and commits
    await _emit(db, tenant, _event(tenant, "commission.created", me, amount_minor=1600))

    # then the first and the catch-all subscriber get it, serialised once for both
    [got] = await _received(mine, 1)
    [seen] = await _received(everything, 1)
    assert (got.type, got.tenant_id, got.data, got.topics) == (
        "commission.created",
        tenant,
        {"amount_minor": 1600},
        (me,),
    )
    assert seen is got
    assert b'"type":"commission.created"' in got.json
    assert theirs._queue.empty()


async def test_a_rolled_back_change_announces_nothing(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    # given
    topic = user_topic(uuid.uuid4())
    subscription = dispatcher.subscribe([topic])

    # when one transaction rolls back its event and the next commits its own
    await _emit(db, tenant, _event(tenant, "test.undone", topic), commit=False)
    await _emit(db, tenant, _event(tenant, "test.done", topic))

    # then only the committed one arrives
    [first] = await _received(subscription, 1)
    assert first.type == "test.done"


async def test_a_large_statement_is_announced_in_parts_and_delivered_in_order(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    # given more events in one statement than one notification can name (300 ids)
    topic = user_topic(uuid.uuid4())
    subscription = dispatcher.subscribe([topic], limit=2000)

    # when
    await _emit(db, tenant, *(_event(tenant, "test.many", topic, n=n) for n in range(700)))

    # then every one arrives once, in order
    got = await _received(subscription, 700)
    assert [e.data["n"] for e in got] == list(range(700))
    assert subscription._queue.empty()


async def test_a_slow_subscriber_is_dropped_and_the_others_go_on(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    # given a subscriber that reads nothing and one that keeps up
    topic = user_topic(uuid.uuid4())
    slow, keeping_up = dispatcher.subscribe([topic], limit=2), dispatcher.subscribe([topic])

    # when more events arrive than the slow one's queue holds
    await _emit(db, tenant, *(_event(tenant, "test.burst", topic, n=n) for n in range(5)))

    # then the slow one is let go and told so; the other gets everything
    assert [e.data["n"] for e in await _received(keeping_up, 5)] == list(range(5))
    with pytest.raises(Dropped):
        await asyncio.wait_for(slow.next(), timeout=30)
    assert slow.dropped


async def test_joining_and_leaving_topics(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    first, second = user_topic(uuid.uuid4()), user_topic(uuid.uuid4())
    subscription = dispatcher.subscribe([first])

    # when it joins the second topic and leaves the first
    subscription.join(second)
    subscription.leave(first)
    await _emit(
        db, tenant, _event(tenant, "test.left", first), _event(tenant, "test.joined", second)
    )

    # then it hears only the second
    [got] = await _received(subscription, 1)
    assert got.type == "test.joined"


async def test_a_closed_subscription_hears_nothing_more(
    db: Database, dispatcher: Dispatcher, tenant: uuid.UUID
) -> None:
    # given two subscribers to one topic, one of which closes
    topic = user_topic(uuid.uuid4())
    closed, open_ = dispatcher.subscribe([topic]), dispatcher.subscribe([topic])
    closed.close()

    # when an event of that topic is written
    await _emit(db, tenant, _event(tenant, "test.after_close", topic))

    # then only the open one hears it
    assert [e.type for e in await _received(open_, 1)] == ["test.after_close"]
    assert closed._queue.empty()


async def test_an_event_made_in_another_process_reaches_this_one(
    dispatcher: Dispatcher, tenant: uuid.UUID, db_urls: DatabaseUrls
) -> None:
    # given
    topic = user_topic(uuid.uuid4())
    subscription = dispatcher.subscribe([topic])
    program = (
        "import asyncio, sys, uuid\n"
        "from sqlalchemy.engine import make_url\n"
        "from bitnexus.core.db import Database, set_tenant\n"
        "from bitnexus.core.outbox import NewEvent, emit\n"
        "async def main():\n"
        "    db = Database(make_url(sys.argv[1]), pool_size=1)\n"
        "    tenant = uuid.UUID(sys.argv[2])\n"
        "    async with db.sessionmaker() as s, s.begin():\n"
        "        await set_tenant(s, tenant)\n"
        "        await emit(s, NewEvent(tenant, 'test.elsewhere', {'by': 'B'}, [sys.argv[3]]))\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
    )

    # when another process writes an event
    url = db_urls.app.render_as_string(hide_password=False)
    made = await asyncio.create_subprocess_exec(
        sys.executable, "-c", program, url, str(tenant), topic
    )
    assert await made.wait() == 0

    # then this process's subscriber hears it
    [got] = await _received(subscription, 1)
    assert (got.type, got.data) == ("test.elsewhere", {"by": "B"})


async def test_events_written_while_the_connection_was_lost_arrive_after_it_is_back(
    db: Database, tenant: uuid.UUID, db_urls: DatabaseUrls
) -> None:
    # given a subscriber of a dispatcher that waits 3 s before it reconnects
    slow_to_return = Dispatcher(libpq(db_urls.app), retry_seconds=3)
    await slow_to_return.start()
    try:
        topic = user_topic(uuid.uuid4())
        subscription = slow_to_return.subscribe([topic])
        await _emit(db, tenant, _event(tenant, "test.before", topic))
        assert [e.type for e in await _received(subscription, 1)] == ["test.before"]

        # when the server cuts its connection and events are written before it listens again
        assert await _cut_listeners(db_urls) >= 1
        await eventually(lambda: holds(not slow_to_return.listening), "the connection is lost")
        await _emit(db, tenant, *(_event(tenant, "test.meanwhile", topic, n=n) for n in range(3)))
        assert not slow_to_return.listening  # (no notification could have reached it)

        # then they arrive once it is back, once each, and so do later ones
        got = await _received(subscription, 3)
        assert [e.data["n"] for e in got] == [0, 1, 2]
        await _emit(db, tenant, _event(tenant, "test.after", topic))
        assert [e.type for e in await _received(subscription, 1)] == ["test.after"]
    finally:
        await slow_to_return.close()


async def _cut_listeners(db_urls: DatabaseUrls) -> int:
    """Terminate every dispatcher's connection, as a restarting server would; how many."""
    return await superuser_count(
        db_urls,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE application_name = 'bitnexus-events'",
    )


async def test_events_past_retention_are_pruned(
    db: Database, tenant: uuid.UUID, owner_engine: Engine
) -> None:
    # given an old event and a new one
    marker = str(uuid.uuid4())
    await _emit(
        db,
        tenant,
        _event(tenant, "test.old", marker=marker),
        _event(tenant, "test.new", marker=marker),
    )
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE outbox_events SET created_at = now() - interval '8 days'"
                " WHERE type = 'test.old' AND data->>'marker' = :m"
            ),
            {"m": marker},
        )

    # when events older than a week are pruned
    assert await events.prune(db, dt.timedelta(days=7)) >= 1

    # then only the new one is left
    with owner_engine.connect() as conn:
        left = (
            conn.execute(
                text("SELECT type FROM outbox_events WHERE data->>'marker' = :m"), {"m": marker}
            )
            .scalars()
            .all()
        )
    assert left == ["test.new"]


async def test_a_tenant_sees_and_writes_only_its_own_events(
    db: Database, make_client: ClientFactory, app_engine: Engine
) -> None:
    # given two organisations, one with an event
    a = uuid.UUID((await signup_org(make_client())).tenant_id)
    b = uuid.UUID((await signup_org(make_client())).tenant_id)
    await _emit(db, a, _event(a, "test.private"))

    # then the other sees none of it
    with app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(b)})
        assert conn.execute(text("SELECT count(*) FROM outbox_events")).scalar() == 0

    # and cannot write an event under the first one's name
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await _emit(db, b, _event(a, "test.forged"))
