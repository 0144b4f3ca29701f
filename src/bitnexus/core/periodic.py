"""Background jobs' loop: one pass every so often until cancelled, each pass counted and timed
(`bitnexus_job_*` metrics), a failed pass logged and the next one run as usual."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import structlog

from bitnexus.core.metrics.families import (
    JOB_DURATION,
    JOB_FAILURES,
    JOB_INTERVAL,
    JOB_LAST_SUCCESS,
    JOB_RUNS,
)

log = structlog.get_logger(__name__)


async def every(
    name: str, seconds: float, step: Callable[[], Awaitable[object]], *, failed: str
) -> NoReturn:
    """Run `step` now and then `seconds` after each pass ends, until cancelled. A pass that
    raises is logged as the event `failed`, with its trace, and counted; the loop goes on."""
    runs, failures = JOB_RUNS.labels(name), JOB_FAILURES.labels(name)
    duration, last_success = JOB_DURATION.labels(name), JOB_LAST_SUCCESS.labels(name)
    JOB_INTERVAL.labels(name).set(seconds)
    while True:
        started = time.perf_counter()
        try:
            await step()
        except Exception:
            failures.inc()
            log.exception(failed)
        else:
            last_success.set(time.time())
        runs.inc()  # (a pass cancelled midway is not counted)
        duration.observe(time.perf_counter() - started)
        await asyncio.sleep(seconds)


async def stop(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended, cancelling it again while it goes on: a
    client library that turns a cancellation into an error of its own, or a timeout that races
    it, can swallow one, and a close must not wait for ever on a task that lives on."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1)
    if not task.cancelled():
        task.exception()  # (retrieved: an error it ended with is not the close's)
