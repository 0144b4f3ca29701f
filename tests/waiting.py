"""Waiting for something to happen in another task, thread or process: poll a condition until it
holds or a deadline passes. A deadline, not a fixed sleep: a fast machine goes on at once, a
loaded one gets the time it needs, and a condition that never holds fails with what was awaited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

DEADLINE_SECONDS = 30.0  # generous: twice as slow a machine still finishes well within it
INTERVAL_SECONDS = 0.05


async def eventually(
    condition: Callable[[], Awaitable[T]],
    what: str,
    *,
    within: float = DEADLINE_SECONDS,
    interval: float = INTERVAL_SECONDS,
) -> T:
    """Await `condition()` until it returns a truthy value (returned), or fail saying `what`
    did not happen within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within:g} s")
        await asyncio.sleep(interval)


async def holds(value: object) -> bool:
    """`value` as a condition for `eventually`, for a check that needs no awaiting:
    `eventually(lambda: holds(job.done), "the job done")`."""
    return bool(value)


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    within: float = DEADLINE_SECONDS,
    interval: float = INTERVAL_SECONDS,
) -> T:
    """`eventually` for synchronous code (a subprocess, a server being started)."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within:g} s")
        time.sleep(interval)


async def waiting_on_a_lock(engine: AsyncEngine, statement: str) -> bool:
    """Whether a session of the database waits on a lock running a statement LIKE
    `statement` (a session reads the statements of its own role's sessions)."""
    async with engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE :statement"
            ),
            {"statement": statement},
        )
    return bool(waiting)
