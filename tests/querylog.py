"""What asyncpg sends: its query log, handed to a test's `keep` while a block runs.

asyncpg calls its query loggers on the event loop's next turn after each statement, not at
once: an async test lets the loop turn (`await asyncio.sleep(0)`) before it reads what it kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asyncpg.connection import Connection, LoggedQuery
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

Keep = Callable[[LoggedQuery], None]


@contextmanager
def logged_on(connection: Connection, keep: Keep) -> Iterator[None]:
    """What `connection` sends while the block runs."""
    connection.add_query_logger(keep)
    try:
        yield
    finally:
        connection.remove_query_logger(keep)


def _asyncpg_of(dbapi_connection: Any) -> Connection | None:
    """The asyncpg connection under an async engine's pooled one (None: another driver's)."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    return driver if isinstance(driver, Connection) else None


@contextmanager
def logged_through(pools: Engine | type[Pool], keep: Keep) -> Iterator[None]:
    """What every asyncpg connection sends from its checkout, while the block runs, out of
    `pools`: one engine's pool, or every pool (`Pool`) of any engine, made before or meanwhile.
    A connection already checked out when the block starts is logged from its next checkout."""
    watched: set[Connection] = set()

    def watch(dbapi_connection: Any, *_: Any) -> None:
        if (driver := _asyncpg_of(dbapi_connection)) is not None:
            driver.add_query_logger(keep)
            watched.add(driver)

    def unwatch(dbapi_connection: Any, *_: Any) -> None:
        if (driver := _asyncpg_of(dbapi_connection)) is not None and driver in watched:
            driver.remove_query_logger(keep)
            watched.discard(driver)

    event.listen(pools, "checkout", watch)
    event.listen(pools, "checkin", unwatch)
    try:
        yield
    finally:
        event.remove(pools, "checkout", watch)
        event.remove(pools, "checkin", unwatch)
        for driver in watched:  # still checked out: logged no longer
            driver.remove_query_logger(keep)
