"""The tenant of a transaction: set with its BEGIN in one round trip, and transaction-local."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database, TenantConnection, configure, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from tests.querylog import logged_on


@pytest.fixture
async def db(db_urls: DatabaseUrls) -> AsyncIterator[Database]:
    """One pooled connection, so consecutive transactions share it."""
    database = Database(db_urls.app, pool_size=1)
    yield database
    await database.dispose()


async def _driver(session: AsyncSession) -> TenantConnection:
    raw = await (await session.connection()).get_raw_connection()
    assert isinstance(raw.driver_connection, TenantConnection)
    return raw.driver_connection


async def _tenant_setting(session: AsyncSession) -> str | None:
    found = await session.scalar(text("SELECT current_setting('bitnexus.tenant_id', true)"))
    return found or None


async def _sent(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> list[str]:
    """The statements `action` sends on the session's connection."""
    sent: list[str] = []
    with logged_on(await _driver(session), lambda record: sent.append(record.query)):
        await action()
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
    return sent


async def test_a_new_transaction_and_its_tenant_take_one_round_trip(db: Database) -> None:
    # given
    tenant = uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        # when
        sent = await _sent(session, lambda: set_tenant(session, tenant))

        # then
        assert len(sent) == 1
        assert sent[0].startswith("BEGIN")
        assert f"set_config('bitnexus.tenant_id', '{tenant}', true)" in sent[0]
        assert (await _driver(session)).is_in_transaction()
        assert await _tenant_setting(session) == str(tenant)


SETTINGS = [("plan_cache_mode", "force_generic_plan"), ("hnsw.ef_search", "50")]


async def _settings(session: AsyncSession) -> tuple[str, str]:
    found = text("SELECT current_setting('plan_cache_mode'), current_setting('hnsw.ef_search')")
    return tuple((await session.execute(found)).one())  # type: ignore[return-value]


async def test_settings_ride_on_the_begin_and_cost_nothing_after(db: Database) -> None:
    # given a transaction begun with its tenant and settings
    tenant = uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        begun = await _sent(session, lambda: set_tenant(session, tenant, SETTINGS))

        # when the unit of work asks for the settings it already has
        asked = await _sent(session, lambda: configure(session, SETTINGS))

        # then the BEGIN carried them, and asking again sent nothing
        assert len(begun) == 1
        assert begun[0].startswith("BEGIN")
        assert "set_config('hnsw.ef_search', '50', true)" in begun[0]
        assert asked == []
        assert await _settings(session) == ("force_generic_plan", "50")
        assert await _tenant_setting(session) == str(tenant)


async def test_settings_the_begin_lacked_are_set_in_one_round_trip(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.uuid4(), SETTINGS[:1])

        sent = await _sent(
            session, lambda: configure(session, [*SETTINGS[:1], ("hnsw.ef_search", "70")])
        )

        assert len(sent) == 1
        assert await _settings(session) == ("force_generic_plan", "70")
        assert await _sent(session, lambda: configure(session, [("hnsw.ef_search", "70")])) == []


async def test_settings_end_with_their_transaction(db: Database) -> None:
    # given a session whose first transaction had the settings
    async with db.sessionmaker() as session:
        async with session.begin():
            await set_tenant(session, uuid.uuid4(), SETTINGS)

        # when its next transaction, begun without them, asks for them
        async with session.begin():
            await set_tenant(session, uuid.uuid4())
            assert (await _settings(session))[0] == "auto"  # the default again
            sent = await _sent(session, lambda: configure(session, SETTINGS))

            # then they are set again: the first transaction's ended with it
            assert len(sent) == 1
            assert await _settings(session) == ("force_generic_plan", "50")


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param(("hnsw.ef_search", "50', true), set_config('role', 'x"), id="quote"),
        pytest.param(("plan_cache_mode; SELECT 1; --", "auto"), id="name"),
        pytest.param(("work_mem", "64 MB"), id="space"),
    ],
)
async def test_a_setting_that_is_not_plain_is_refused_before_sending(
    db: Database, setting: tuple[str, str]
) -> None:
    async with db.sessionmaker() as session, session.begin():
        sent = await _sent(session, lambda: _refused(set_tenant(session, uuid.uuid4(), [setting])))

        assert sent == []


async def _refused(action: Awaitable[None]) -> None:
    with pytest.raises(ValueError, match="not a plain setting"):
        await action


async def test_the_tenant_ends_with_its_transaction(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.uuid4())

    async with db.sessionmaker() as session, session.begin():
        assert await _tenant_setting(session) is None


async def test_a_rolled_back_transaction_keeps_none_of_its_work(db: Database) -> None:
    # given
    tenant = uuid.uuid4()
    async with db.sessionmaker() as session:
        await session.begin()
        await set_tenant(session, tenant)
        await session.execute(text("CREATE TEMP TABLE scratch (n int)"))

        # when
        await session.rollback()

    # then
    async with db.sessionmaker() as session, session.begin():
        exists = await session.scalar(text("SELECT to_regclass('pg_temp.scratch') IS NOT NULL"))
        assert exists is False
        assert await _tenant_setting(session) is None


async def test_a_tenant_set_mid_transaction_applies_from_there(db: Database) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        await session.execute(text("SELECT 1"))
        await set_tenant(session, first)
        assert await _tenant_setting(session) == str(first)

        await set_tenant(session, second)
        assert await _tenant_setting(session) == str(second)


async def test_a_tenant_that_is_not_a_uuid_is_refused_before_sending(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(ValueError, match="hexadecimal UUID"):
            await set_tenant(session, "x'); SELECT 1; --")  # type: ignore[arg-type]


async def test_statements_run_each_in_a_transaction_of_its_own(db: Database) -> None:
    tenant = str(uuid.uuid4())

    async with db.statements() as connection:
        in_transaction = connection.is_in_transaction()
        scoped = await connection.fetchval(
            "SELECT set_config('bitnexus.tenant_id', $1, true)", tenant
        )
        after = await connection.fetchval("SELECT current_setting('bitnexus.tenant_id', true)")

    assert not in_transaction
    assert scoped == tenant
    assert not after  # the statement's tenant ended with it


async def test_statements_leave_the_connection_clean(db: Database) -> None:
    # given: one pooled connection, statements that scoped themselves, one block that failed
    with pytest.raises(RuntimeError, match="the handler failed"):
        async with db.statements() as connection:
            await connection.fetchval("SELECT set_config('bitnexus.tenant_id', $1, true)", "x")
            raise RuntimeError("the handler failed")
    async with db.statements() as connection:
        await connection.fetchval("SELECT 1")

    # when: the next unit of work takes the same connection
    async with db.sessionmaker() as session, session.begin():
        # then: no transaction or tenant carried over
        assert await _tenant_setting(session) is None
        assert (await _driver(session)).is_in_transaction()


async def _unit_of_work(db: Database) -> tuple[int, str | None]:
    """A unit of work with no tenant: its transaction id and the tenant it sees."""
    async with db.sessionmaker() as session, session.begin():
        xid = await session.scalar(text("SELECT txid_current()"))
        return int(xid), await _tenant_setting(session)


@pytest.mark.parametrize("turns", range(8))
async def test_a_begin_interrupted_leaves_no_transaction_open(db: Database, turns: int) -> None:
    """A request cancelled while its BEGIN is in flight (a client that left) must not leave the
    pooled connection inside a transaction nobody tracks: the next units of work would run in
    it, never committed, and see the tenant it set."""

    # given a pooled connection, and a unit of work on it cancelled after `turns` turns of the
    # event loop
    await _unit_of_work(db)

    async def interrupted() -> None:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.uuid4())
            await session.execute(text("SELECT pg_sleep(1)"))

    task = asyncio.create_task(interrupted())
    for _ in range(turns):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # when two units of work follow on the pool's one connection
    first, tenant_seen = await _unit_of_work(db)
    second, _ = await _unit_of_work(db)

    # then each is a transaction of its own, scoped to no tenant
    assert first != second
    assert tenant_seen is None
