"""Engine, sessions and the tenant context of a transaction.

The app connects as the runtime role, which owns nothing and is subject to RLS. Each transaction
names its tenant with `set_config('bitnexus.tenant_id', ..., true)`: transaction-local, so a pooled
connection never carries one request's tenant into the next.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

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


def tenant_statement(tenant_id: uuid.UUID, *, custom_plans: bool = False) -> str:
    """The parameterless statement that scopes a transaction to a tenant. A UUID's text has no
    quote to escape, and the id is parsed first: nothing else can reach the SQL."""
    tenant = str(uuid.UUID(str(tenant_id)))
    plans = ", set_config('plan_cache_mode', 'force_custom_plan', true)" if custom_plans else ""
    return f"SELECT set_config('bitnexus.tenant_id', '{tenant}', true){plans}"


def make_engine(url: URL, *, pool_size: int = 10) -> AsyncEngine:
    """The runtime's async engine. It speaks asyncpg, whatever driver the URL names (psycopg
    serves the synchronous tools): per transaction, asyncpg costs a third less CPU."""
    return create_async_engine(
        url.set(drivername="postgresql+asyncpg"),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={
            "server_settings": {"application_name": "bitnexus"},
            "connection_class": TenantConnection,
        },
    )


class Database:
    """The runtime engine and its session factory (one per process)."""

    def __init__(self, app_url: URL, *, pool_size: int = 10) -> None:
        self.engine = make_engine(app_url, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection outside any transaction: each statement run on it is a unit of
        work of its own. Only for a statement that scopes itself to its tenant before it reads
        (`bitnexus_principal`); everything else runs in a session's transaction."""
        async with self.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert isinstance(driver, asyncpg.Connection)
            yield driver


async def set_tenant(
    session: AsyncSession, tenant_id: uuid.UUID, *, custom_plans: bool = False
) -> None:
    """Scope the current transaction to one tenant; RLS does the rest.

    A transaction not yet begun begins here, its tenant in the same round trip as its BEGIN
    (every request's first step: one round trip fewer than BEGIN, then `set_config`).

    `custom_plans`: plan every statement of the transaction for its own parameters. asyncpg
    prepares and caches statements per connection, and after five runs PostgreSQL may switch
    one to a generic plan made for "any" values and keep it: the sale desk's batches (the ledger
    append, the conversion inserts) got slower with every batch, 2.3 to 4.9 ms a sale in four
    minutes, until each was planned for its own rows."""
    connection = await session.connection()  # Core, not the ORM: every request passes here
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if (
        isinstance(driver, TenantConnection)
        and not driver.is_in_transaction()
        and getattr(raw.dbapi_connection, "_transaction", True) is None
    ):
        statement = tenant_statement(tenant_id, custom_plans=custom_plans)
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
        return
    if custom_plans:
        await connection.exec_driver_sql(
            "SELECT set_config('bitnexus.tenant_id', $1, true),"
            " set_config('plan_cache_mode', 'force_custom_plan', true)",
            (str(tenant_id),),
        )
        return
    await connection.exec_driver_sql(
        "SELECT set_config('bitnexus.tenant_id', $1, true)", (str(tenant_id),)
    )


# What PostgreSQL or the way to it says when it cannot serve at all (as opposed to refusing a
# statement): shutting down, starting up, crashed, the connection lost or never made.
_UNREACHABLE = (
    OSError,  # no server at the address or socket, the network down, connecting timed out
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    sa_exc.TimeoutError,  # no pooled connection free within the pool's timeout
)


def unreachable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached just now (a connection refused,
    lost or timed out, the server stopping or starting, the pool exhausted), as opposed to a
    statement it refused."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _UNREACHABLE):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__  # SQLAlchemy and its asyncpg adapter raise `from` the original
    return False
