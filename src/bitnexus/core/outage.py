"""Database outages: which errors mean PostgreSQL cannot be reached, and a log that says so once
per interval with the number of requests refused meanwhile, instead of a traceback per request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy import exc as sa_exc

log = structlog.get_logger("bitnexus.outage")

# what a client is told to wait before it tries again (the `Retry-After` header, in seconds)
RETRY_AFTER_SECONDS = 5
# at most one log line per this many seconds while requests are being refused
LOG_INTERVAL_SECONDS = 10.0

# PostgreSQL's answers that mean "not now": class 08 (connection exceptions), the server
# starting up or shutting down (57P01-57P03), no connection slot left (53300).
_ASYNCPG_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


class DatabaseUnreachable(ConnectionError):
    """Opening a connection to PostgreSQL failed at the socket (refused, reset, no such Unix
    socket, timed out). Raised by the engine's connect (`core.db`) in place of the bare
    `OSError`, which could as well be any file's."""


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, (DatabaseUnreachable, sa_exc.TimeoutError, *_ASYNCPG_UNAVAILABLE)):
        return True  # sa_exc.TimeoutError: no pooled connection free within the pool timeout
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True  # SQLAlchemy saw the connection drop under a statement
    if isinstance(exc, asyncpg.InternalClientError):
        return _ended_by_the_server(exc)
    # asyncpg's own check on a connection found closed (SQLAlchemy's disconnect test too)
    return isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc)


def _ended_by_the_server(exc: asyncpg.InternalClientError) -> bool:
    """Whether asyncpg refused a statement because its connection's last exchange never
    finished (two statements at once on a connection are refused with an `InterfaceError`).
    In practice the server ended the connection (a shutdown, `pg_terminate_backend`, a
    timeout): its final message, an error sent outside any statement, has been read and the
    socket's close not yet. Until the close is read, a turn of the event loop later or more,
    the connection does not say it is closed; asked a statement, asyncpg closes it."""
    return str(exc).startswith("cannot switch to state")


def unavailable_cause(exc: BaseException) -> BaseException | None:
    """The error that says the database cannot be reached (a failed connect, a connection lost,
    a pool timeout, a server shutting down): `exc` itself or one it was raised from or while
    handling; None when `exc` is something else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _is_unavailable(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached just now, as opposed to a statement it
    refused or a bug (`unavailable_cause`)."""
    return unavailable_cause(exc) is not None


def log_failure(logger: Any, event: str, error: BaseException, **fields: object) -> None:
    """Log that a loop on a connection of its own failed and starts again: a warning without a
    traceback when PostgreSQL could not be asked or refused a statement, the traceback of
    anything else (a bug)."""
    if isinstance(error, OSError | asyncpg.PostgresError | asyncpg.InterfaceError) or unreachable(
        error
    ):
        logger.warning(event, error=str(error), **fields)
    else:
        logger.exception(event, **fields)


def _describe(exc: BaseException) -> str:
    # a DBAPIError's own text carries the statement and its parameters: say the driver's only
    shown = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    return f"{type(shown).__name__}: {shown}"[:300]


class OutageLog:
    """Says "database unavailable" at most once per `interval` seconds (at WARNING, without a
    traceback), with the number of requests refused since its previous line."""

    def __init__(
        self,
        interval: float = LOG_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._last_line: float | None = None
        self._refused = 0

    def refused(self, exc: BaseException) -> None:
        """Count one request refused because of `exc`; log when the interval has passed."""
        self._refused += 1
        now = self._clock()
        if self._last_line is not None and now - self._last_line < self.interval:
            return
        log.warning(
            "database.unavailable",
            refused=self._refused,
            interval_seconds=self.interval,
            error=_describe(exc),
        )
        self._last_line = now
        self._refused = 0
