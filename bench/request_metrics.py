"""What the per-request metrics cost: `RequestContextMiddleware` (which records every answer's
metrics through `core.http.log_request`) around a trivial ASGI app, with the observation and
with it replaced by a no-op; the difference per request in microseconds. Not part of
`make bench` (a micro-benchmark, seconds of CPU):

    .venv/bin/python bench/request_metrics.py                      # one process (in memory)
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python bench/request_metrics.py
                                                                  # serve --workers N (mmap files)
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.routing import Route

from bitnexus.core import http
from bitnexus.core.metrics import requests as request_metrics

REQUESTS = 50_000
ROUNDS = 7


async def _trivial(scope: Any, receive: Any, send: Any) -> None:
    scope["route"] = ROUTE  # as the router sets it
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _endpoint(request: Any) -> None:  # pragma: no cover (never called)
    return None


ROUTE = Route("/api/v1/me", _endpoint)
APP = http.RequestContextMiddleware(_trivial, max_body_bytes=1_048_576)


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


async def _per_request_us() -> float:
    scope = {"type": "http", "method": "GET", "path": "/api/v1/me", "headers": []}
    started = time.perf_counter()
    for _ in range(REQUESTS):
        await APP(dict(scope), _receive, _send)
    return (time.perf_counter() - started) / REQUESTS * 1e6


def _no_op(scope: MutableMapping[str, Any], status: int, seconds: float) -> None:
    """`observe` recording nothing."""


def main() -> None:
    logging.getLogger("bitnexus.http").setLevel(logging.WARNING)  # as busy deployments run
    observe = request_metrics.observe
    rounds: dict[str, list[float]] = {"with metrics": [], "without": []}
    for _ in range(ROUNDS):
        request_metrics.observe = observe
        rounds["with metrics"].append(asyncio.run(_per_request_us()))
        request_metrics.observe = _no_op
        rounds["without"].append(asyncio.run(_per_request_us()))
    mode = "multi-process files" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "in memory"
    with_, without = (statistics.median(v) for v in rounds.values())
    print(f"metrics {mode}: {with_:.2f} µs vs {without:.2f} µs per request")
    print(f"added per request: {with_ - without:.2f} µs (median of {ROUNDS} rounds)")


if __name__ == "__main__":
    main()
