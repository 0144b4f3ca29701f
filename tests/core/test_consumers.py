"""Durable outbox consumers: a named consumer sees every event, including those written while
it was stopped; handled again, an event is enqueued once; one process leads at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.consumers import Consumer, Handler, per_tenant
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.events import Dispatcher, Event, Subscription
from bitnexus.core.outbox import NewEvent, emit
from bitnexus.webhooks import fanout
from tests.conftest import ClientFactory
from tests.factories import new_program, signup_org
from tests.superuser import superuser_count
from tests.waiting import DEADLINE_SECONDS, eventually, holds
from tests.webhooks.support import register


@pytest.fixture
async def db(db_urls: DatabaseUrls) -> AsyncIterator[Database]:
    database = Database(db_urls.app, pool_size=3)
    yield database
    await database.dispose()


@pytest.fixture
async def dispatcher(db_urls: DatabaseUrls) -> AsyncIterator[Dispatcher]:
    running = Dispatcher(libpq(db_urls.app), retry_seconds=0.2)
    await running.start()
    yield running
    await running.close()


def _consumer(
    name: str, handle: Handler, dispatcher: Dispatcher, db_urls: DatabaseUrls, queued: int = 1000
) -> Consumer:
    dsn = libpq(db_urls.app)
    return Consumer(
        name, handle, dispatcher=dispatcher, dsn=dsn, standby_seconds=0.1, queued=queued
    )


async def _write(db: Database, tenant_id: str, *marks: str) -> None:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.UUID(tenant_id))
        await emit(
            session,
            *(NewEvent(uuid.UUID(tenant_id), "test.marked", {"mark": m}) for m in marks),
        )


async def test_a_consumer_catches_up_on_events_written_while_it_was_stopped(
    db: Database, dispatcher: Dispatcher, db_urls: DatabaseUrls, make_client: ClientFactory
) -> None:
    # given a consumer that ran once, then stopped
    tenant = (await signup_org(make_client())).tenant_id
    seen: list[str] = []

    async def handle(events: Sequence[Event]) -> None:
        seen.extend(e.data["mark"] for e in events if str(e.tenant_id) == tenant)

    name = f"test-{uuid.uuid4().hex[:10]}"
    first = _consumer(name, handle, dispatcher, db_urls)
    await first.start()
    await eventually(lambda: holds(first.caught_up), "the first run caught up")
    await first.close()

    # when events are written while it is stopped (and dispatched to nobody else), and it
    # starts again
    probe = dispatcher.subscribe(None)
    await _write(db, tenant, "a", "b")
    await asyncio.wait_for(_marks_pass(probe, tenant, {"a", "b"}), DEADLINE_SECONDS)
    probe.close()
    again = _consumer(name, handle, dispatcher, db_urls)
    await again.start()
    try:
        await eventually(lambda: holds({"a", "b"} <= set(seen)), "the missed events handled")
        # then live events follow too
        await _write(db, tenant, "c")
        await eventually(lambda: holds("c" in seen), "the live event handled")
    finally:
        await again.close()
    assert sorted(set(seen)) == ["a", "b", "c"]


async def _marks_pass(probe: Subscription, tenant: str, marks: set[str]) -> None:
    """Until the dispatcher has handed over every one of `marks` (of `tenant`)."""
    while marks:
        event = await probe.next()
        if str(event.tenant_id) == tenant:
            marks.discard(event.data["mark"])


async def test_an_event_read_again_is_never_enqueued_twice(
    db: Database,
    dispatcher: Dispatcher,
    db_urls: DatabaseUrls,
    make_client: ClientFactory,
    owner_engine: Engine,
) -> None:
    # given an endpoint and two events the server's own consumer has enqueued
    program = await new_program(make_client)
    endpoint = (await register(program.admin, "https://93.184.215.14/h", "product.submitted"))[
        "endpoint"
    ]
    await program.listed()
    await program.listed()

    def count() -> int:
        with owner_engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :e"),
                    {"e": endpoint["id"]},
                ).scalar_one()
            )

    await eventually(lambda: holds(count() == 2), "both events enqueued")

    # when another consumer with the webhooks handler reads them again, twice over
    for _ in range(2):
        second = _consumer(
            f"test-{uuid.uuid4().hex[:10]}", fanout.enqueuer(db), dispatcher, db_urls
        )
        await second.start()
        await eventually(lambda s=second: holds(s.caught_up), "the re-read done")  # type: ignore[misc]
        await second.close()

    # then each event is still enqueued once
    assert count() == 2


async def test_one_process_leads_and_another_takes_over_when_it_stops(
    db: Database, dispatcher: Dispatcher, db_urls: DatabaseUrls
) -> None:
    # given two consumers of one name (as in two processes)
    async def ignore(_events: Sequence[Event]) -> None:
        return None

    name = f"test-{uuid.uuid4().hex[:10]}"
    one = _consumer(name, ignore, dispatcher, db_urls)
    two = _consumer(name, ignore, dispatcher, db_urls)
    await one.start()
    await eventually(lambda: holds(one.leading.is_set()), "the first leads")
    await two.start()
    try:
        # then only one leads
        assert not two.leading.is_set()
        # when the leader stops, the other takes over and catches up
        await one.close()
        await eventually(lambda: holds(two.leading.is_set() and two.caught_up), "take-over")
    finally:
        await one.close()
        await two.close()


async def test_a_consumer_that_falls_behind_reads_the_outbox_instead(
    db: Database, dispatcher: Dispatcher, db_urls: DatabaseUrls, make_client: ClientFactory
) -> None:
    # given a consumer whose handler is stuck on the first event, and room for two more
    tenant = (await signup_org(make_client())).tenant_id
    stuck, seen = asyncio.Event(), set[str]()

    async def handle(events: Sequence[Event]) -> None:
        if ours := {e.data["mark"] for e in events if str(e.tenant_id) == tenant}:
            await stuck.wait()
            seen.update(ours)

    consumer = _consumer(f"test-{uuid.uuid4().hex[:10]}", handle, dispatcher, db_urls, queued=2)
    await consumer.start()
    await eventually(lambda: holds(consumer.caught_up), "the consumer started")
    try:
        # when six events arrive one by one (its subscription is dropped), then it is unstuck
        for mark in "abcdef":
            await _write(db, tenant, mark)
        stuck.set()

        # then it handles every one of them all the same
        await eventually(lambda: holds(seen == set("abcdef")), "every event handled")
    finally:
        await consumer.close()


async def test_a_consumer_misses_nothing_when_its_connections_are_cut(
    db: Database, dispatcher: Dispatcher, db_urls: DatabaseUrls, make_client: ClientFactory
) -> None:
    # given a running consumer
    tenant = (await signup_org(make_client())).tenant_id
    seen: set[str] = set()

    async def handle(events: Sequence[Event]) -> None:
        seen.update(e.data["mark"] for e in events if str(e.tenant_id) == tenant)

    name = f"test-{uuid.uuid4().hex[:10]}"
    consumer = _consumer(name, handle, dispatcher, db_urls)
    await consumer.start()
    await eventually(lambda: holds(consumer.caught_up), "the consumer started")
    try:
        # when its lock's and the dispatcher's connections are cut (as by a restarting
        # server) and events are written meanwhile
        cut = await superuser_count(
            db_urls,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            f" WHERE application_name IN ('bitnexus-events', 'bitnexus-consumer-{name}')",
        )
        await _write(db, tenant, "x", "y")

        # then it handles them all the same
        assert cut >= 2
        await eventually(lambda: holds(seen == {"x", "y"}), "the events handled")
    finally:
        await consumer.close()


async def test_an_event_its_handler_cannot_take_is_passed_over_not_retried_for_ever(
    db: Database, dispatcher: Dispatcher, db_urls: DatabaseUrls, make_client: ClientFactory
) -> None:
    # given a consumer whose handler fails on a batch holding one event's data, as a unit of
    # work would (none of the batch's work kept)
    tenant = (await signup_org(make_client())).tenant_id
    seen: list[str] = []

    async def handle(events: Sequence[Event]) -> None:
        marks = [e.data["mark"] for e in events if str(e.tenant_id) == tenant]
        if "poison" in marks:
            raise KeyError("currency")
        seen.extend(marks)

    consumer = _consumer(f"test-{uuid.uuid4().hex[:10]}", handle, dispatcher, db_urls)
    await consumer.start()
    try:
        await eventually(lambda: holds(consumer.caught_up), "the consumer caught up")

        # when that event comes between two good ones
        await _write(db, tenant, "before", "poison", "after")

        # then the good ones are handled, the bad one is passed over once
        await eventually(lambda: holds("after" in seen), "the event after the bad one")
    finally:
        await consumer.close()
    assert seen == ["before", "after"]


async def test_a_batch_is_worked_on_in_one_unit_of_work_per_tenant(db: Database) -> None:
    # given a batch whose events of two tenants interleave
    one, two = uuid.uuid4(), uuid.uuid4()
    at = dt.datetime.now(dt.UTC)
    batch = [Event(i, t, "test.marked", (), {}, at, b"") for i, t in enumerate([one, two, one])]
    worked: list[tuple[str, list[int]]] = []

    async def work(session: AsyncSession, events: list[Event]) -> None:
        tenant = await session.scalar(text("SELECT current_setting('bitnexus.tenant_id')"))
        worked.append((str(tenant), [e.id for e in events]))

    # when it is worked on
    await per_tenant(db, batch, work)

    # then each tenant's events are worked on together, in order, in that tenant's transaction
    assert worked == [(str(one), [0, 2]), (str(two), [1])]
