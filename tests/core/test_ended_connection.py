"""A connection the server has ended (a restart, `pg_terminate_backend`), asked a statement in
the turn before its close is read: the database counts as unreachable (a 503, a warning in the
log, never a traceback), and the pool does not hand that connection out again."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from bitnexus.app import create_app
from bitnexus.core.config import Settings
from bitnexus.core.consumers import Consumer
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.errors import PROBLEM_JSON
from bitnexus.core.events import Dispatcher, Event
from bitnexus.core.outage import unreachable
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.core.redis import Shared
from bitnexus.core.relay import Relay
from tests.conftest import ClientFactory
from tests.core.ended import HoldingRelay, end, end_backend, holding_relay
from tests.factories import signup_org
from tests.superuser import superuser_value
from tests.waiting import eventually, holds


@pytest.fixture
async def relay(db_urls: DatabaseUrls) -> AsyncIterator[HoldingRelay]:
    async with holding_relay(db_urls.app) as running:
        yield running


async def _failure(statement: Awaitable[object]) -> BaseException:
    try:
        await statement
    except Exception as error:
        return error
    raise AssertionError("the statement succeeded")


async def test_a_statement_on_it_means_the_database_is_unreachable(
    relay: HoldingRelay, db_urls: DatabaseUrls
) -> None:
    # given a connection the server has ended, its close not yet read
    connection = await asyncpg.connect(libpq(relay.url()))
    try:
        await end(connection, relay, db_urls.app)

        # when it is asked a statement
        error = await _failure(connection.execute("SELECT 1"))
    finally:
        connection.terminate()

    # then the error says the database cannot be reached
    assert unreachable(error), repr(error)


async def _in_a_session(db: Database) -> int:
    async with db.sessionmaker() as session, session.begin():
        pid: int = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        return pid


async def _in_statements(db: Database) -> int:
    async with db.statements() as connection:
        pid: int = await connection.fetchval("SELECT pg_backend_pid()")
        return pid


@pytest.mark.parametrize("ask", [_in_a_session, _in_statements], ids=["session", "statements"])
async def test_the_pool_drops_it_and_the_next_statement_runs_on_a_new_one(
    ask: Callable[[Database], Awaitable[int]],
    relay: HoldingRelay,
    db_urls: DatabaseUrls,
    captured: list[str],
) -> None:
    db = Database(relay.url(), pool_size=1)
    try:
        # given the pool's one connection, idle, ended by the server
        await ask(db)
        async with db.statements() as connection:
            pid = connection.get_server_pid()
        await end(connection, relay, db_urls.app)

        # when a unit of work asks it a statement
        error = await _failure(ask(db))

        # then the database is unreachable for that one, and the next runs on a new connection
        assert unreachable(error), repr(error)
        assert await ask(db) != pid
    finally:
        await relay.release()  # (a connection held would never close)
        await db.dispose()
    assert _errors(captured) == []


async def test_a_request_on_it_is_answered_503_and_the_next_is_served(
    relay: HoldingRelay, db_urls: DatabaseUrls, settings: Settings, captured: list[str]
) -> None:
    # given an app whose pool reaches PostgreSQL through the relay, and a signed-up admin
    urls = dataclasses.replace(db_urls, app=relay.url(), direct=db_urls.app)
    app = create_app(settings, urls)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        try:
            admin = await signup_org(client)
            assert (await client.get("/api/v1/me", headers=admin.headers)).status_code == 200
            # ... every connection idle in its pool ended by the server
            for connection in await _idle(app.state.db):
                await end(connection, relay, db_urls.app)
            captured.clear()

            # when the admin asks again
            answer = await client.get("/api/v1/me", headers=admin.headers)

            # then the answer is the database's 503, and the next request is served
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == PROBLEM_JSON
            assert answer.json()["type"].endswith("/database-unavailable")

            async def served() -> bool:
                return (await client.get("/api/v1/me", headers=admin.headers)).status_code == 200

            await eventually(served, "the admin served again")
        finally:
            await relay.release()  # (a connection held would never close)
    assert _errors(captured) == []


async def _idle(db: Database) -> list[asyncpg.Connection]:
    """The asyncpg connections idle in `db`'s pool, left there."""
    pooled = [await db.engine.raw_connection() for _ in range(db.engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        return [p.driver_connection for p in pooled]
    finally:
        for p in pooled:
            p.close()


async def test_a_consumer_whose_connection_it_is_warns_and_leads_again(
    relay: HoldingRelay, db_urls: DatabaseUrls, captured: list[str]
) -> None:
    # given a consumer following the outbox through the relay, sweeping it often
    async def handle(_: Sequence[Event]) -> None:
        pass

    name = f"test-{uuid.uuid4().hex[:10]}"
    dispatcher = Dispatcher(libpq(db_urls.app), retry_seconds=0.2)
    consumer = Consumer(
        name,
        handle,
        dispatcher=dispatcher,
        dsn=libpq(relay.url()),
        standby_seconds=0.1,
        sweep_seconds=0.2,
        tick_seconds=0.1,
    )
    await dispatcher.start()
    await consumer.start()
    try:
        await eventually(lambda: holds(consumer.caught_up), "the consumer caught up")

        # when the server ends its connection, between two of its statements
        [pid] = await _backends(db_urls, f"bitnexus-consumer-{name}")
        captured.clear()
        await end_backend(pid, relay, db_urls.app)

        # then it says so in one warning, without a traceback, and leads again
        async def failed() -> list[dict[str, Any]]:
            records = [json.loads(line) for line in captured]
            return [r for r in records if r["event"] == "consumer.failed"]

        [line] = await eventually(failed, "the consumer said its connection failed")
        assert line["level"] == "warning", line
        assert "exception" not in line
        led = consumer.caught_up
        await eventually(lambda: holds(consumer.caught_up > led), "the consumer led again")
    finally:
        await consumer.close()
        await dispatcher.close()


async def test_a_dispatcher_following_redis_warns_and_loses_no_event(
    relay: HoldingRelay,
    db_urls: DatabaseUrls,
    redis_url: str,
    captured: list[str],
    make_client: ClientFactory,
) -> None:
    # given a dispatcher following the Redis stream a relay announces the outbox on, reading
    # events back through the holding relay, and a subscriber
    tenant = uuid.UUID((await signup_org(make_client())).tenant_id)
    db = Database(db_urls.app, pool_size=1)
    shared = Shared(redis_url, retry_seconds=0.2)
    announcer = Relay(libpq(db_urls.app), shared, lease_seconds=1.5, retry_seconds=0.2)
    dispatcher = Dispatcher(libpq(relay.url()), retry_seconds=0.2, shared=shared)
    before = await _backends(db_urls, "bitnexus-events")
    announcer.start()
    await dispatcher.start()
    topic = user_topic(uuid.uuid4())
    subscription = dispatcher.subscribe([topic])
    try:
        await eventually(lambda: holds(dispatcher.source == "redis"), "the dispatcher follows")
        [pid] = await _backends(db_urls, "bitnexus-events") - before

        # when the server ends its connection, and then an event is committed
        captured.clear()
        await end_backend(pid, relay, db_urls.app)
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant)
            await emit(session, NewEvent(tenant, "test.marked", {"mark": "x"}, (topic,)))

        # then the subscriber gets the event once the dispatcher has read it again, and the
        # dispatcher said its connection failed in one warning, without a traceback
        [event] = await asyncio.wait_for(subscription.batch(), timeout=30)
        assert event.data == {"mark": "x"}
        records = [json.loads(line) for line in captured]
        failed = [r for r in records if r["event"] == "events.listen_failed"]
        assert [r["level"] for r in failed] == ["warning"], failed
        assert [r for r in records if "exception" in r] == []
    finally:
        subscription.close()
        await dispatcher.close()
        await announcer.close()
        await shared.close()
        await db.dispose()


def _errors(captured: list[str]) -> list[dict[str, Any]]:
    """The lines logged at error level or with a traceback."""
    records = [json.loads(line) for line in captured]
    return [r for r in records if "exception" in r or r["level"] in {"error", "critical"}]


async def _backends(db_urls: DatabaseUrls, application: str) -> set[int]:
    pids = await superuser_value(
        db_urls,
        f"SELECT array_agg(pid) FROM pg_stat_activity WHERE application_name = '{application}'",
    )
    return set(pids or ())
