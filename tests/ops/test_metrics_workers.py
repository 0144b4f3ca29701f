"""`bitnexus serve --workers 2`: one scrape counts the requests every worker answered."""

from __future__ import annotations

import uuid

import httpx

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import launch_server
from tests.ops.metrics_support import value
from tests.waiting import wait_until

TOKEN = "workers-" + uuid.uuid4().hex
COUNT = "bitnexus_http_request_duration_seconds_count"
REQUESTS = 40


def _scrape(url: str) -> str:
    r = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.text


def _scrape_with_workers(url: str, workers: int) -> str:
    """A scrape once `workers` processes have started (else "")."""
    text = _scrape(url)
    return text if value(text, "bitnexus_worker_processes") == workers else ""


def test_a_scrape_counts_every_workers_requests(settings: Settings, db_urls: DatabaseUrls) -> None:
    # given a server with two worker processes
    proc, url = launch_server(settings, "--workers", "2", BITNEXUS_METRICS_TOKEN=TOKEN)
    try:
        before = wait_until(lambda: _scrape_with_workers(url, 2), "both workers serving")

        # when: requests, each on a connection of its own (so either worker may take it)
        for _ in range(REQUESTS):
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200

        # then: whichever worker answers a scrape counts both workers' requests, and the gauges
        # read from the database once per scrape are not added up across workers
        for _ in range(4):
            after = _scrape(url)
            moved = value(after, COUNT, route="/healthz") - value(before, COUNT, route="/healthz")
            assert moved == REQUESTS
            assert value(after, "bitnexus_worker_processes") == 2
            assert value(after, "bitnexus_database_up") == 1
            assert value(after, "bitnexus_ready") == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
