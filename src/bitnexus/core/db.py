"""Engine, sessions and the tenant context of a transaction.

The app connects as the runtime role, which owns nothing and is subject to RLS. Each transaction
names its tenant with `set_config('bitnexus.tenant_id', ..., true)`: transaction-local, so a pooled
connection never carries one request's tenant into the next.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData, event, exists, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from bitnexus.core import bulk, vector
from bitnexus.core.outage import DatabaseUnreachable, unreachable

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: DateTime(timezone=True)}  # noqa: RUF012


def identified_by(column: Any) -> dict[str, Any]:
    """Mapper arguments for a tenant table keyed by `(tenant_id, id)` in the database (so a
    distributed PostgreSQL can shard it by tenant, docs/scaling.md) that the ORM still knows
    by `id` alone: `session.get(Model, id)` and the identity map keep working, and row security
    adds the tenant to every statement."""
    return {"primary_key": [column]}


async def any_row(session: AsyncSession, model: type[Any]) -> bool:
    """Whether the table of `model` has a row the session may see (row security applies)."""
    return bool((await session.execute(select(exists().select_from(model)))).scalar())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TenantConnection(asyncpg.Connection):
    """An asyncpg connection whose BEGIN can carry the transaction's first statement, so that
    a transaction and its tenant cost one round trip (`set_tenant`)."""

    __slots__ = ("_with_begin",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._with_begin = ""

    async def execute(
        self,
        query: str,
        *args: Any,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's own signature)
    ) -> str:
        if self._with_begin and not args and query.startswith("BEGIN"):
            query = f"{query} {self._with_begin}"
        return str(await super().execute(query, *args, timeout=timeout))

    async def begin_with(self, adapter: Any, statement: str) -> None:
        """Open the adapter's transaction with `statement` (simple protocol, no parameters)
        sent in the same message as its BEGIN."""
        self._with_begin = statement
        try:
            # SQLAlchemy's asyncpg adapter begins lazily, before its first statement; starting
            # it here lets the tenant ride on the BEGIN instead of following it.
            await adapter._start_transaction()
        finally:
            self._with_begin = ""


Setting = tuple[str, str]
"""A transaction-local setting a unit of work runs with: (name, value)."""

# what a setting written into SQL text may hold: no quote, nothing but its name and a word
_SETTING_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)?")
_SETTING_VALUE = re.compile(r"[A-Za-z0-9_.]*")
_SETTINGS = "bitnexus.settings"  # session.info: (the transaction, the settings it was given)


def tenant_statement(tenant_id: uuid.UUID, settings: Sequence[Setting] = ()) -> str:
    """The parameterless statement that scopes a transaction to a tenant, and sets `settings`
    for it. A UUID's text has no quote to escape, and the id is parsed first; a setting is
    refused unless its name and value are plain words: nothing else can reach the SQL."""
    tenant = str(uuid.UUID(str(tenant_id)))
    for name, value in settings:
        if not _SETTING_NAME.fullmatch(name) or not _SETTING_VALUE.fullmatch(value):
            raise ValueError(f"not a plain setting: {name!r} = {value!r}")
    rest = "".join(f", set_config('{name}', '{value}', true)" for name, value in settings)
    return f"SELECT set_config('bitnexus.tenant_id', '{tenant}', true){rest}"


CONNECTION_SETTINGS = {
    "application_name": "bitnexus",
    # Every HNSW scan of ours is filtered (tenant, marketplace): with pgvector ≥ 0.8 the scan
    # goes on past ef_search until LIMIT rows pass the filter (relaxed order: callers sort by
    # distance). Set per connection, so a search pays no SET round trip for it. Pinned by
    # tests/search/test_iterative_scan.py.
    "hnsw.iterative_scan": "relaxed_order",
}


class PooledConnection(TenantConnection):
    """A `TenantConnection` through a transaction-mode pooler: it has its server connection
    for one transaction only, and the pooler refuses startup settings it does not track. What
    `CONNECTION_SETTINGS` sets for a connection is set by each tenant's BEGIN instead, in the
    same statement (docs/pooling.md)."""

    __slots__ = ()

    async def begin_with(self, adapter: Any, statement: str) -> None:
        await super().begin_with(adapter, statement + POOLED_SETTINGS)


POOLED_SETTINGS = "".join(
    f", set_config('{name}', '{value}', true)"
    for name, value in CONNECTION_SETTINGS.items()
    if name != "application_name"  # a startup setting a pooler keeps per client
)
# Through a transaction-mode pooler (PgBouncer before 1.21 keeps no prepared statement apart
# per client): asyncpg caches no statement and SQLAlchemy prepares none by name, so every
# statement is asyncpg's unnamed one, parsed again in the same message as its execution.
POOLED_ARGS: dict[str, Any] = {
    "server_settings": {"application_name": CONNECTION_SETTINGS["application_name"]},
    "connection_class": PooledConnection,
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
}


def make_engine(url: URL, *, pool_size: int = 10, pooled: bool = False) -> AsyncEngine:
    """The runtime's async engine. It speaks asyncpg, whatever driver the URL names (psycopg
    serves the synchronous tools): per transaction, asyncpg costs a third less CPU.

    `pooled`: the URL reaches PostgreSQL through a transaction-mode pooler (`POOLED_ARGS`)."""
    # A fixed pool: `pool_size` connections, opened as needed and kept. Callers beyond it queue
    # for one (each unit of work is short). Overflow connections would be opened and closed by
    # the request under a burst, a PostgreSQL backend forked for each: under 32 concurrent
    # readers of GET /me that churn cost over half the throughput.
    engine = create_async_engine(
        url.set(drivername="postgresql+asyncpg"),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args=POOLED_ARGS
        if pooled
        else {"server_settings": CONNECTION_SETTINGS, "connection_class": TenantConnection},
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_unreachable)
    event.listen(engine.sync_engine, "connect", _register_types)
    return engine


def _register_types(dbapi_connection: Any, _record: Any) -> None:
    """A new connection's codecs for the extensions' types (`vector`: binary)."""
    dbapi_connection.run_async(vector.register)


def _connect_or_unreachable(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Connect as the dialect does; a socket that fails (refused, reset, no Unix socket, timed
    out) raises `DatabaseUnreachable`, which a bare `OSError` could not say (any file's could)."""
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as exc:
        raise DatabaseUnreachable(str(exc)) from exc


class Database:
    """The runtime engine and its session factory (one per process)."""

    def __init__(self, app_url: URL, *, pool_size: int = 10, pooled: bool = False) -> None:
        self.engine = make_engine(app_url, pool_size=pool_size, pooled=pooled)
        self.pooled = pooled  # through a transaction-mode pooler: no session state survives
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection outside any transaction: each statement run on it is a unit of
        work of its own. Only for a statement that scopes itself to its tenant before it reads
        (`bitnexus_principal`); everything else runs in a session's transaction."""
        # The pool's connection itself, without a SQLAlchemy Connection around it (two greenlet
        # hops and an event dispatch fewer: a tenth of GET /me's time). Returning it runs no
        # statement: the adapter began no transaction on it.
        raw = await self.engine.raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, asyncpg.Connection)
        try:
            yield driver
        except Exception as error:
            # SQLAlchemy never sees a raw statement fail: a connection lost under one is
            # dropped here, or the pool would hand it out again after the server is back
            if not driver.is_closed():
                raise
            raw.invalidate()
            if unreachable(error):
                raise  # (asyncpg closes a connection the server ended once it is asked)
            # any other error from a connection found closed is its loss, seen another way
            raise DatabaseUnreachable(f"the connection was lost: {error}") from error
        except BaseException:
            if driver.is_closed():
                raw.invalidate()
            raise
        finally:
            raw.close()


async def set_tenant(
    session: AsyncSession, tenant_id: uuid.UUID, settings: Sequence[Setting] = ()
) -> None:
    """Scope the current transaction to one tenant (RLS does the rest), with `settings`
    (`configure`).

    A transaction not yet begun begins here, its tenant and settings in the same round trip as
    its BEGIN (every request's first step: one round trip fewer than BEGIN, then
    `set_config`)."""
    connection = await session.connection()  # Core, not the ORM: every request passes here
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    session.info[_SETTINGS] = (session.sync_session.get_transaction(), dict(settings))
    if (
        isinstance(driver, TenantConnection)
        and not driver.is_in_transaction()
        and getattr(raw.dbapi_connection, "_transaction", True) is None
    ):
        statement = tenant_statement(tenant_id, settings)
        try:
            await driver.begin_with(raw.dbapi_connection, statement)
        except BaseException:
            # Interrupted (a cancelled request, a stream whose client left) or failed, the BEGIN
            # may have reached the server after all, leaving an open transaction that neither
            # asyncpg nor SQLAlchemy tracks: a pooled connection in it would run every later
            # unit of work inside it, uncommitted. Drop the connection, as SQLAlchemy does for
            # a statement of its own interrupted; the pool opens a fresh one.
            assert connection.sync_connection is not None
            connection.sync_connection.invalidate()
            raise
        bulk.known_driver(session, driver)
        return
    await connection.exec_driver_sql(*_setting([("bitnexus.tenant_id", str(tenant_id)), *settings]))


async def configure(session: AsyncSession, settings: Sequence[Setting]) -> None:
    """Run the rest of the current transaction with `settings` (transaction-local: they end
    with it). Those its BEGIN already carried (`set_tenant`) cost nothing; the others are set
    in one round trip."""
    now = session.sync_session.get_transaction()
    transaction, current = session.info.get(_SETTINGS, (None, {}))
    if transaction is not now:
        current = {}  # set for a transaction that has ended
    missing = [(name, value) for name, value in settings if current.get(name) != value]
    if missing:
        statement, values = _setting(missing)
        await (await bulk.driver(session)).execute(statement, *values)
        # the transaction again: the statement began one if none was under way
        began = session.sync_session.get_transaction()
        session.info[_SETTINGS] = (began, {**current, **dict(missing)})


def _setting(settings: Sequence[Setting]) -> tuple[str, tuple[str, ...]]:
    """One statement that sets `settings` for the transaction, and its parameters."""
    calls = ", ".join(f"set_config(${2 * n + 1}, ${2 * n + 2}, true)" for n in range(len(settings)))
    return f"SELECT {calls}", tuple(part for setting in settings for part in setting)


@asynccontextmanager
async def between_units(session: AsyncSession, tenant_id: uuid.UUID) -> AsyncIterator[None]:
    """Commit what the session wrote so far and give its connection back to the pool for the
    block (a call to another service, which may take seconds, must hold no connection and no
    transaction), then begin its next unit of work, scoped to the same tenant."""
    await session.commit()
    try:
        yield
    finally:
        await set_tenant(session, tenant_id)
