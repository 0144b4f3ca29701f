"""Bulk inserts on the session's asyncpg connection: every row and value as given, or none."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.bulk import BulkInsert, driver
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from tests.core.conftest import tenant_session_with

PROBE = Table(
    "bulk_probe",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("name", String(5)),
    Column("levels", ARRAY(Integer)),
    Column("at", DateTime(timezone=True)),
    Column("blob", LargeBinary),
)
INSERT = BulkInsert(PROBE, "ON CONFLICT (id) DO NOTHING RETURNING id")
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def session(db_urls: DatabaseUrls) -> AsyncIterator[AsyncSession]:
    """A tenant's unit of work with the probe table in it (dropped with the transaction)."""
    async with tenant_session_with(
        db_urls,
        "CREATE TEMP TABLE bulk_probe (id uuid PRIMARY KEY, name varchar(5),"
        " levels int[], at timestamptz, blob bytea) ON COMMIT DROP",
    ) as session:
        yield session


def _row(name: str | None, levels: list[int], blob: bytes | None) -> dict[str, object]:
    return {"id": uuid.uuid4(), "name": name, "levels": levels, "at": NOW, "blob": blob}


async def test_every_row_is_written_as_given_and_returned(session: AsyncSession) -> None:
    # given rows with empty, single and several array items, and missing values
    rows = [_row("a", [], b"\x00\x01"), _row(None, [1000], None), _row("abcde", [7, 0, -3], b"")]

    # when
    returned = await INSERT.run(session, rows)

    # then
    assert {r["id"] for r in returned} == {r["id"] for r in rows}
    stored = {
        r.id: r._asdict()
        for r in await session.execute(text("SELECT id, name, levels, at, blob FROM bulk_probe"))
    }
    assert stored == {r["id"]: r for r in rows}


async def test_the_tail_decides_conflicts(session: AsyncSession) -> None:
    # given a row already written
    first = _row("a", [1], None)
    await INSERT.run(session, [first])

    # when the same id comes again beside a new one
    second = _row("b", [2], None)
    returned = await INSERT.run(session, [{**first, "name": "z"}, second])

    # then only the new one is written and returned
    assert [r["id"] for r in returned] == [second["id"]]
    assert await session.scalar(text("SELECT name FROM bulk_probe WHERE id = :id"), first) == "a"


async def test_a_value_too_long_is_refused_not_cut(session: AsyncSession) -> None:
    # when a value is longer than its column allows
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        await INSERT.run(session, [_row("ok", [], None), _row("sixsix", [], None)])


async def test_nothing_to_insert_runs_nothing(session: AsyncSession) -> None:
    assert await INSERT.run(session, []) == []


async def test_it_runs_only_in_a_tenant_transaction(db_urls: DatabaseUrls) -> None:
    # given a session whose transaction was not scoped to a tenant (nor begun on the server)
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session:
            # when / then
            with pytest.raises(RuntimeError, match="set_tenant"):
                await INSERT.run(session, [_row("a", [], None)])
    finally:
        await db.dispose()


async def test_each_transaction_runs_on_the_connection_it_began(db_urls: DatabaseUrls) -> None:
    # given a session that ran a hot-path statement in its first transaction
    db = Database(db_urls.app, pool_size=2)
    try:
        async with db.sessionmaker() as session:
            await set_tenant(session, uuid.uuid4())
            first = await driver(session)
            first_xid = await first.fetchval("SELECT txid_current()")
            await session.commit()
            # when the transaction has ended, then nothing runs until the next one begins
            with pytest.raises(RuntimeError, match="set_tenant"):
                await driver(session)
            # and the next transaction's statements run in that transaction
            await set_tenant(session, uuid.uuid4())
            second = await driver(session)
            assert second.is_in_transaction()
            assert await second.fetchval("SELECT txid_current()") != first_xid
            assert await driver(session) is second
    finally:
        await db.dispose()


async def test_a_transaction_a_statement_failed_in_runs_nothing_more(
    db_urls: DatabaseUrls,
) -> None:
    # given a transaction whose hot-path connection was found, then a statement failed in it
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session:
            await set_tenant(session, uuid.uuid4())
            await driver(session)
            with pytest.raises(DBAPIError):
                await session.execute(text("SELECT 1 / 0"))
            # when a hot-path statement runs, then it runs in that transaction, and is refused
            with pytest.raises(asyncpg.InFailedSQLTransactionError):
                await (await driver(session)).fetchval("SELECT 1")
    finally:
        await db.dispose()
