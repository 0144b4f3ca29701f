"""What only a process knows (its connection pool, its click spool), written to its metrics
every `SAMPLE_SECONDS` and just before it answers a scrape; and its database errors, counted as
they happen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, NoReturn

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from bitnexus.core.metrics.families import (
    CLICK_SPOOL_LAG,
    CLICK_SPOOL_PENDING,
    DB_ERRORS,
    DB_POOL_IN_USE,
    DB_POOL_SIZE,
    DB_POOL_WAITING,
    WORKERS,
)
from bitnexus.core.outage import unreachable

SAMPLE_SECONDS = 5.0

Backlog = Callable[[], tuple[int, float]]  # clicks waiting for PostgreSQL, the oldest one's age


def pool_usage(engine: AsyncEngine) -> tuple[int, int, int]:
    """Connections checked out of `engine`'s pool, the most it holds, and the callers waiting
    for one."""
    pool: Any = engine.sync_engine.pool
    # SQLAlchemy's async queue keeps its waiters in an asyncio.Queue (tests/core/test_metrics.py
    # pins this: an exhausted pool must show its waiters)
    queue = getattr(getattr(pool, "_pool", None), "_queue", None)
    waiting = len(getattr(queue, "_getters", ()) or ())
    return int(pool.checkedout()), int(pool.size()), waiting


class Sampler:
    def __init__(self, engine: AsyncEngine, backlog: Backlog) -> None:
        self._engine = engine
        self._backlog = backlog
        event.listen(engine.sync_engine, "handle_error", _count_error)

    def sample(self) -> None:
        in_use, size, waiting = pool_usage(self._engine)
        DB_POOL_IN_USE.set(in_use)
        DB_POOL_SIZE.set(size)
        DB_POOL_WAITING.set(waiting)
        pending, lag = self._backlog()
        CLICK_SPOOL_PENDING.set(pending)
        CLICK_SPOOL_LAG.set(lag)

    async def run(self) -> NoReturn:
        """Sample every `SAMPLE_SECONDS` until cancelled."""
        WORKERS.set(1)
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_SECONDS)

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "handle_error", _count_error)


def error_kind(error: BaseException) -> str:
    """A failed statement's label: `connection` when the server could not be reached, else its
    SQLSTATE class (`23`: a constraint, `40`: a serialisation failure), else `other`."""
    if unreachable(error):
        return "connection"
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state[:2]
    return "other"


def _count_error(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception or context.original_exception
    DB_ERRORS.labels("connection" if context.is_disconnect else error_kind(error)).inc()
