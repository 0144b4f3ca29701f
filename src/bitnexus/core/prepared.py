"""Hot-path SELECTs built and compiled once, then run by asyncpg on the session's connection.

Building a statement of a dozen conditions, finding it in SQLAlchemy's compiled cache (a walk
of the whole tree for its key) and running it through the ORM costs more than PostgreSQL takes
to answer it. A `Prepared` statement is built once from the same SQLAlchemy code, with named
parameters for the values that change per call, and compiled once; a call binds the values and
runs the SQL on the session's asyncpg connection, where asyncpg keeps it prepared.

Callers cache their `Prepared` statements by shape (which optional conditions are present,
and the values they bake in), e.g. with `functools.lru_cache` on the function that builds them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Select, inspect
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, DeclarativeBase, InstrumentedAttribute
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import ClassManager

from bitnexus.core.bulk import driver

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


class Prepared:
    """One statement, compiled for asyncpg: `fetch` binds the named parameters given and the
    values the statement was built with for the others."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        names = compiled.positiontup or []
        baked = compiled.params  # the values the statement was built with
        # SQLAlchemy's own conversion of each value (enums to their text, …), as its execution
        # would apply it: a statement run here sends what the same statement run there sends
        processors: Mapping[str, Any] = compiled._bind_processors
        self._slots = [(name, baked.get(name), processors.get(name)) for name in names]

    def bind(self, values: Mapping[str, Any] | None = None) -> list[Any]:
        """The statement's arguments, in order: `values` for its named parameters, the values
        it was built with for the others."""
        given = values or {}
        args = []
        for name, baked, process in self._slots:
            value = given.get(name, baked)
            args.append(process(value) if process is not None and value is not None else value)
        return args

    async def fetch(
        self, session: AsyncSession, values: Mapping[str, Any] | None = None
    ) -> list[asyncpg.Record]:
        """The rows of the statement run in the session's transaction (row security applies:
        `set_tenant` began it) with `values` for its named parameters."""
        return list(await (await driver(session)).fetch(self.sql, *self.bind(values)))


Entity = TypeVar("Entity", bound=DeclarativeBase)


def columns_of(entity: type[DeclarativeBase]) -> list[InstrumentedAttribute[Any]]:
    """Every column of a mapped class, in the order `untracked` reads them from a row."""
    return [a.class_attribute for a in _loaders(entity)[1]]


def untracked(entity: type[Entity], row: asyncpg.Record, start: int = 0) -> Entity:
    """The object a row makes, its `columns_of(entity)` from `start` on, each value converted
    as the ORM would load it, but tracked by no session: for what is read far more often than
    changed, and only read where it is read this way."""
    _, attributes, processors = _loaders(entity)
    values = {}
    for n, (attribute, process) in enumerate(zip(attributes, processors, strict=True)):
        value = row[start + n]
        values[attribute.key] = value if process is None or value is None else process(value)
    return untracked_of(entity, values)


def untracked_of(entity: type[Entity], values: Mapping[str, Any]) -> Entity:
    """An object of `entity` holding `values` (column names to values as loaded; a column not
    given reads as None), tracked by no session. Made as the ORM's loader makes an object, the
    values put in place with no change recorded: the constructor records each as a change, at
    six times the cost for the thirty columns of a caller's user and tenant."""
    made: Entity = _loaders(entity)[0].new_instance()
    instance_dict(made).update(values)
    return made


@functools.cache
def _loaders(
    entity: type[DeclarativeBase],
) -> tuple[ClassManager[Any], list[ColumnProperty[Any]], list[Callable[[Any], Any] | None]]:
    mapper = inspect(entity)
    attributes = list(mapper.column_attrs)
    processors: list[Callable[[Any], Any] | None] = [
        a.columns[0].type.result_processor(_DIALECT, None) for a in attributes
    ]
    return mapper.class_manager, attributes, processors
