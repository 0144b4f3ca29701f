"""Events between processes through Redis: one process relays the outbox's announcements to a
Redis stream that every dispatcher follows; while Redis is gone each listens to PostgreSQL
itself, and nothing is lost or delivered twice across the switches."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bitnexus.app import create_app
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.events import Dispatcher, Subscription
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.core.redis import Shared
from bitnexus.core.relay import Relay
from tests.conftest import ClientFactory
from tests.factories import signup_org
from tests.redis_server import RedisServer
from tests.superuser import superuser_count
from tests.waiting import eventually


@dataclass
class Process:
    """What one app process runs for its events: its Redis connections, relay and dispatcher."""

    shared: Shared
    relay: Relay
    dispatcher: Dispatcher


@pytest.fixture
async def tenant(make_client: ClientFactory) -> uuid.UUID:
    return uuid.UUID((await signup_org(make_client())).tenant_id)


@pytest.fixture
async def processes(db_urls: DatabaseUrls, redis_url: str) -> AsyncIterator[list[Process]]:
    started = []
    for _ in range(2):
        shared = Shared(redis_url, retry_seconds=0.2)
        relay = Relay(libpq(db_urls.app), shared, lease_seconds=1.5, retry_seconds=0.2)
        relay.start()
        dispatcher = Dispatcher(libpq(db_urls.app), retry_seconds=0.2, shared=shared)
        await dispatcher.start()
        started.append(Process(shared, relay, dispatcher))
    try:
        await _all_on(started, "redis")
        yield started
    finally:
        for process in started:
            await process.dispatcher.close()
            await process.relay.close()
            await process.shared.close()


async def _all_on(processes: list[Process], source: str) -> None:
    async def on() -> bool:
        return all(p.dispatcher.source == source for p in processes)

    await eventually(on, f"every dispatcher follows {source}")


async def _emit(db: Database, tenant: uuid.UUID, topic: str, *numbers: int) -> None:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant)
        await emit(session, *(NewEvent(tenant, "test.n", {"n": n}, (topic,)) for n in numbers))


async def _numbers(subscription: Subscription, until: int) -> list[int]:
    """The numbers received until every one of 0 to `until` has come (in any order: a switch
    of source may deliver what it caught up on after newer events)."""
    got: list[int] = []
    while not set(range(until + 1)) <= set(got):
        got += [e.data["n"] for e in await asyncio.wait_for(subscription.batch(), timeout=30)]
    return got


async def test_an_event_committed_reaches_every_process_through_the_relay(
    db: Database, tenant: uuid.UUID, processes: list[Process], redis_server: RedisServer
) -> None:
    # given two processes following Redis, one of them relaying
    topic = user_topic(uuid.uuid4())
    subscriptions = [p.dispatcher.subscribe([topic]) for p in processes]

    async def one_relays() -> bool:
        return sum(p.relay.relaying for p in processes) == 1

    await eventually(one_relays, "one process relays")

    # when a transaction commits an event
    await _emit(db, tenant, topic, 0)

    # then both processes' subscribers get it once, and it came by the stream
    for subscription in subscriptions:
        assert await _numbers(subscription, 0) == [0]
    assert all(p.dispatcher.source == "redis" for p in processes)
    client = redis_server.client()
    try:
        assert client.xlen("bitnexus:events") >= 1
    finally:
        client.close()


async def test_events_go_on_arriving_while_redis_is_gone_and_after_it_is_back(
    db: Database, tenant: uuid.UUID, processes: list[Process], redis_server: RedisServer
) -> None:
    # given two processes following Redis
    topic = user_topic(uuid.uuid4())
    subscriptions = [p.dispatcher.subscribe([topic], limit=5000) for p in processes]
    await _emit(db, tenant, topic, *range(0, 10))

    # when Redis stops while events are being committed
    redis_server.stop()
    await _emit(db, tenant, topic, *range(10, 20))
    await _all_on(processes, "postgresql")
    await _emit(db, tenant, topic, *range(20, 30))
    # and comes back (empty: it keeps nothing on disk)
    redis_server.start()
    await _emit(db, tenant, topic, *range(30, 40))
    await _all_on(processes, "redis")
    await _emit(db, tenant, topic, *range(40, 50))

    # then each process delivered every event exactly once
    for subscription in subscriptions:
        got = await _numbers(subscription, 49)
        assert sorted(got) == list(range(50))
        assert subscription._queue.empty()


async def test_events_committed_while_the_relay_is_replaced_arrive_once(
    db: Database, tenant: uuid.UUID, processes: list[Process], db_urls: DatabaseUrls
) -> None:
    # given two processes following Redis
    topic = user_topic(uuid.uuid4())
    subscriptions = [p.dispatcher.subscribe([topic], limit=5000) for p in processes]
    await _emit(db, tenant, topic, *range(0, 10))

    # when the relay's connection to PostgreSQL is cut while events are committed
    assert await superuser_count(db_urls, CUT_RELAY) == 1
    await _emit(db, tenant, topic, *range(10, 20))

    async def relayed_again() -> bool:
        return any(p.relay.relaying for p in processes)

    await eventually(relayed_again, "a relay relays again")
    await _all_on(processes, "redis")
    await _emit(db, tenant, topic, *range(20, 30))

    # then every event reached each process once
    for subscription in subscriptions:
        got = await _numbers(subscription, 29)
        assert sorted(got) == list(range(30))
        assert subscription._queue.empty()


CUT_RELAY = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE application_name = 'bitnexus-relay'"
)


async def test_without_a_relay_the_dispatchers_listen_to_postgresql(
    db: Database, tenant: uuid.UUID, processes: list[Process]
) -> None:
    # given the relays stopped (their lease released), Redis itself still up
    for process in processes:
        await process.relay.close()
    topic = user_topic(uuid.uuid4())
    subscription = processes[1].dispatcher.subscribe([topic])

    # when
    await _all_on(processes, "postgresql")
    await _emit(db, tenant, topic, 0)

    # then
    assert await _numbers(subscription, 0) == [0]


async def test_without_redis_the_dispatcher_never_tries_it(db_urls: DatabaseUrls) -> None:
    # given no REDIS_URL
    shared = Shared(None)
    dispatcher = Dispatcher(libpq(db_urls.app), shared=shared)

    # when
    await dispatcher.start()

    # then it listens to PostgreSQL, as it always did
    try:
        assert dispatcher.source == "postgresql"
        assert not shared.configured
    finally:
        await dispatcher.close()


async def test_apps_configured_with_redis_follow_the_relay_and_stop_cleanly(
    settings: Settings, db_urls: DatabaseUrls, redis_url: str, db: Database, tenant: uuid.UUID
) -> None:
    # given two apps (two processes' worth) started with REDIS_URL
    configured = settings.model_copy(update={"redis_url": SecretStr(redis_url)})
    apps = [create_app(configured, db_urls) for _ in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))

        async def following() -> bool:
            return all(app.state.events.source == "redis" for app in apps)

        await eventually(following, "both apps follow the relay's stream")
        topic = user_topic(uuid.uuid4())
        subscriptions = [app.state.events.subscribe([topic]) for app in apps]

        # when an event is committed
        await _emit(db, tenant, topic, 0)

        # then both apps' subscribers get it, one app relaying
        for subscription in subscriptions:
            assert await _numbers(subscription, 0) == [0]
        assert sum(app.state.relay.relaying for app in apps) == 1
    # (and both stopped: the exit stack returned)
