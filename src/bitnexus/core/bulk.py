"""Hot-path statements on the session's own asyncpg connection, inside its transaction.

SQLAlchemy compiles a multi-row INSERT for every batch it runs (its cache key, its
"insertmanyvalues" batches, each row's parameters): for the sale desk's batches that cost more
than the statement itself. `BulkInsert` builds its SQL once from the table: every column goes
as one array parameter and the rows come out of `unnest`, so a batch of any size is the same
prepared statement, run by asyncpg without SQLAlchemy in between.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy import ARRAY, String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


_DRIVER = "bitnexus.driver"  # session.info: (the session's transaction, its asyncpg connection)


async def driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, which must be in its transaction already
    (`set_tenant` began it, so row security applies to what runs on it). Looked up once per
    transaction: asking the session for its connection costs a greenlet switch and SQLAlchemy's
    bookkeeping, about as much as a hot path's own Python."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_DRIVER)
    found: object
    if transaction is not None and transaction.is_active and known and known[0] is transaction:
        found = known[1]
    else:
        connection = (await session.connection()).sync_connection
        found = connection.connection.driver_connection if connection else None
        if isinstance(found, asyncpg.Connection):
            known_driver(session, found)
    if not isinstance(found, asyncpg.Connection) or not found.is_in_transaction():
        raise RuntimeError("hot-path statements run in a transaction scoped with set_tenant()")
    return found


def known_driver(session: AsyncSession, connection: asyncpg.Connection) -> None:
    """Tell `driver` the asyncpg connection of the session's transaction, just begun on it
    (`set_tenant`): its first hot-path statement need not ask the session."""
    session.info[_DRIVER] = (session.sync_session.get_transaction(), connection)


class BulkInsert:
    """`INSERT INTO table (columns) SELECT FROM unnest(one array per column) <tail>`: every
    column of the table, or those named in `only` (the others take their defaults).

    Array-typed columns cannot be unnested from a two-dimensional array (unnest flattens it),
    so each of their values goes as its PostgreSQL array literal and is cast back."""

    def __init__(self, table: Table, tail: str = "", *, only: Sequence[str] = ()) -> None:
        self._table, self._tail = table, tail
        self._chosen = [c for c in table.columns if not only or c.name in only]
        self.columns = [c.name for c in self._chosen]
        self._arrays = {c.name for c in self._chosen if isinstance(c.type, ARRAY)}

    @functools.cached_property
    def sql(self) -> str:
        """Built on first use: a column typed by its foreign key has its type only once the
        referenced table is known. Made from the table's own metadata, never from input."""
        params, picks = [], []
        for n, column in enumerate(self._chosen, start=1):
            kind = column.type.compile(dialect=_DIALECT)
            if isinstance(column.type, String):  # unbounded: the column's own check refuses
                kind = "TEXT"  # a value too long, where a cast to VARCHAR(n) cuts it
            if column.name in self._arrays:
                params.append(f"${n}::text[]")
                picks.append(f"{column.name}::{kind}")
            else:
                params.append(f"${n}::{kind}[]")
                picks.append(column.name)
        names = ", ".join(self.columns)
        return (
            f"INSERT INTO {self._table.name} ({names}) SELECT {', '.join(picks)}"  # noqa: S608
            f" FROM unnest({', '.join(params)}) AS row ({names}) {self._tail}"
        )

    async def run(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Insert the rows in one statement; what its `RETURNING` tail returns, if any."""
        if not rows:
            return []
        values = [
            [_literal(r[c]) for r in rows] if c in self._arrays else [r[c] for r in rows]
            for c in self.columns
        ]
        return list(await (await driver(session)).fetch(self.sql, *values))


def _literal(items: Sequence[int]) -> str:
    """An integer array as PostgreSQL reads it from text: `{1000,500}`."""
    return "{" + ",".join(str(int(i)) for i in items) + "}"
