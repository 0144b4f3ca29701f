"""`/metrics`: who may scrape it, and what it says as requests, logins and ledger work happen."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.exc import ProgrammingError

from bitnexus.core import periodic
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.metrics.collector import Sources, collect, newest_backup
from bitnexus.core.metrics.sampler import pool_usage
from tests.conftest import AppWith, ClientFactory, free_port
from tests.ledger.support import SALE, ledger_tenant, post, seal
from tests.ops.metrics_support import label_values, value
from tests.waiting import eventually

TOKEN = "scrape-" + uuid.uuid4().hex
SECRET = SecretStr(TOKEN)
DURATION_COUNT = "bitnexus_http_request_duration_seconds_count"


BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("changes", "headers", "status"),
    [
        pytest.param({}, {}, 200, id="no token: development on loopback"),
        pytest.param({"host": "0.0.0.0"}, {}, 404, id="no token: every interface"),  # noqa: S104
        pytest.param({"env": "production"}, {}, 404, id="no token: production on loopback"),
        pytest.param({"metrics_token": SECRET}, BEARER, 200, id="the token"),
        pytest.param(
            {"metrics_token": SECRET, "env": "production", "host": "0.0.0.0"},  # noqa: S104
            BEARER,
            200,
            id="the token: production, every interface",
        ),
        pytest.param({"metrics_token": SECRET}, {}, 401, id="token set, none sent"),
        pytest.param(
            {"metrics_token": SECRET},
            {"Authorization": "Bearer not-" + TOKEN},
            401,
            id="token set, another sent",
        ),
        pytest.param(
            {"metrics_token": SECRET, "env": "production"},
            {"Authorization": f"Basic {TOKEN}"},
            401,
            id="token set, sent as another scheme",
        ),
    ],
)
async def test_only_an_authorised_scraper_reads_the_metrics(
    app_with: AppWith, changes: dict[str, object], headers: dict[str, str], status: int
) -> None:
    # given an app with these settings
    client = await app_with(**changes)

    # when a scraper asks
    r = await client.get("/metrics", headers=headers)

    # then: the metrics, or a problem without any of them
    assert r.status_code == status, r.text
    if status == 200:
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "bitnexus_http_request_duration_seconds" in r.text
    else:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "bitnexus_" not in r.text
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"


async def _scrape(client: httpx.AsyncClient) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    return r.text


async def test_requests_are_counted_by_route_template_method_and_status_class(
    client: httpx.AsyncClient,
) -> None:
    # given the counts as they stand
    before = await _scrape(client)
    link = f"/r/nosuch{uuid.uuid4().hex[:8]}"

    # when: three anonymous reads of /me, an unknown API path, a redirect of an unknown link
    for _ in range(3):
        assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.get(f"/api/v1/nothing-{uuid.uuid4().hex}")).status_code == 404
    await client.get(link)
    after = await _scrape(client)

    # then: each under its route template, never its raw path
    def moved(**labels: str) -> float:
        return value(after, DURATION_COUNT, **labels) - value(before, DURATION_COUNT, **labels)

    assert moved(route="/api/v1/me", method="GET", status_class="4xx") == 3
    assert moved(route="unmatched", method="GET", status_class="4xx") == 1
    assert moved(route="/r/{code}", method="GET") == 1
    routes = label_values(after, DURATION_COUNT, "route")
    assert not any("nothing-" in r or "nosuch" in r for r in routes)


async def test_logins_are_counted_by_outcome(make_client: ClientFactory) -> None:
    # given
    client = make_client()
    before = await _scrape(client)

    # when: a login with a wrong password
    r = await client.post(
        "/api/v1/auth/login",
        json={"organisation": "acme", "email": "nobody@acme.example", "password": "wrong-123"},
    )
    assert r.status_code == 401
    after = await _scrape(client)

    # then
    moved = value(after, "bitnexus_logins_total", outcome="failure") - value(
        before, "bitnexus_logins_total", outcome="failure"
    )
    assert moved == 1
    assert value(after, "bitnexus_logins_total", outcome="locked_out") >= 0  # (exported from 0)


async def test_the_ledger_gauges_read_every_organisation(
    client: httpx.AsyncClient, db_urls: DatabaseUrls, settings: Settings
) -> None:
    # given an organisation with one sealed and one unsealed transaction
    db = Database(db_urls.app, pool_size=2)
    try:
        tid = await ledger_tenant(db)
        await post(db, tid, "sealed", SALE)
        await seal(db, settings, tid, "ledger")
        await post(db, tid, "waiting", SALE)
    finally:
        await db.dispose()

    # when the metrics are scraped (by the runtime role, which row security keeps to one tenant)
    text = await _scrape(client)

    # then: the organisation's figures, labelled with its id only
    labels = {"tenant_id": str(tid)}
    assert value(text, "bitnexus_ledger_unsealed_transactions", **labels) == 1
    assert value(text, "bitnexus_ledger_oldest_unsealed_seconds", **labels) >= 0
    assert 0 <= value(text, "bitnexus_ledger_seconds_since_last_block", **labels) < 3600
    assert value(text, "bitnexus_database_up") == 1
    assert value(text, "bitnexus_ready") == 1
    # and the platform's own figures, read through the same door
    consumers = label_values(text, "bitnexus_outbox_consumer_lag_seconds", "consumer")
    assert {"webhooks", "notifications"} <= consumers
    assert value(text, "bitnexus_webhook_deliveries_pending") >= 0
    assert value(text, "bitnexus_wal_written_bytes_total") > 0


async def test_failed_statements_are_counted_by_sqlstate_class(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given
    before = await _scrape(client)

    # when a statement fails for a missing table (SQLSTATE 42P01)
    with pytest.raises(ProgrammingError):
        async with app.state.db.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT * FROM no_such_table")
    after = await _scrape(client)

    # then
    moved = value(after, "bitnexus_db_errors_total", kind="42") - value(
        before, "bitnexus_db_errors_total", kind="42"
    )
    assert moved == 1


async def test_a_dead_database_is_a_zero_not_a_hanging_scrape(tmp_path: Path) -> None:
    # given a database nobody listens for
    async def quarantined() -> int:
        return 0

    dead = f"postgresql://nobody@127.0.0.1:{free_port()}/none"
    sources = Sources(dead, tmp_path, tmp_path / "backups", tmp_path / "spool", quarantined)

    # when
    families = {f.name: f for f in await asyncio.wait_for(collect(sources), timeout=10)}

    # then: the database is down, the disk is still measured
    assert [s.value for s in families["bitnexus_database_up"].samples] == [0]
    assert [s.value for s in families["bitnexus_ready"].samples] == [0]
    assert families["bitnexus_filesystem_free_bytes"].samples[0].value > 0


def _backup(root: Path, stamp: str, finished: str, *, verified: object = True) -> None:
    directory = root / "base" / stamp
    directory.mkdir(parents=True)
    manifest = {"finished_at": finished, "verified": verified}
    (directory / "bitnexus-backup.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("backups", "newest"),
    [
        pytest.param([], None, id="none: 0"),
        pytest.param([("a", "2026-12-01T03:00:00Z", True)], "2026-12-01T03:00:00Z", id="one"),
        pytest.param(
            [("a", "2026-12-01T03:00:00Z", True), ("b", "2026-12-02T03:00:00+00:00", True)],
            "2026-12-02T03:00:00Z",
            id="the newest",
        ),
        pytest.param(
            [("a", "2026-12-01T03:00:00Z", True), ("b", "2026-12-02T03:00:00Z", False)],
            "2026-12-01T03:00:00Z",
            id="an unverified one does not count",
        ),
        pytest.param([("a", "yesterday", True)], None, id="a broken manifest does not count"),
    ],
)
def test_the_backup_gauge_is_the_newest_verified_backup(
    tmp_path: Path, backups: list[tuple[str, str, bool]], newest: str | None
) -> None:
    for stamp, finished, verified in backups:
        _backup(tmp_path, stamp, finished, verified=verified)
    expected = dt.datetime.fromisoformat(newest).timestamp() if newest else 0.0
    assert newest_backup(tmp_path) == expected


async def test_the_pool_gauges_show_callers_waiting_for_a_connection(
    db_urls: DatabaseUrls,
) -> None:
    # given a pool of one connection, held
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.engine.connect() as held:
            await held.exec_driver_sql("SELECT 1")

            # when another unit of work asks for one
            async def another() -> None:
                async with db.engine.connect() as conn:
                    await conn.exec_driver_sql("SELECT 1")

            waiter = asyncio.create_task(another())

            # then it is counted as waiting while the first is in use
            async def one_waits() -> bool:
                return pool_usage(db.engine) == (1, 1, 1)

            await eventually(one_waits, "the second caller waits for the pool")
        await waiter
        assert pool_usage(db.engine) == (0, 1, 0)
    finally:
        await db.dispose()


async def test_a_job_pass_is_counted_and_a_failing_one_too(client: httpx.AsyncClient) -> None:
    # given a job whose first pass fails
    name = f"test_job_{uuid.uuid4().hex[:8]}"
    passes: list[int] = []

    async def step() -> None:
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("the first pass fails")

    # when it runs a few passes
    job = asyncio.create_task(periodic.every(name, 0.01, step, failed="test.job_failed"))

    async def passed_three() -> bool:
        return len(passes) >= 3

    await eventually(passed_three, "three passes")
    job.cancel()
    text = await _scrape(client)

    # then: every pass counted, the failed one as a failure, and when the last succeeded
    assert value(text, "bitnexus_job_runs_total", name=name) >= 3
    assert value(text, "bitnexus_job_failures_total", name=name) == 1
    assert value(text, "bitnexus_job_last_success_timestamp_seconds", name=name) > 0
    assert value(text, "bitnexus_job_interval_seconds", name=name) == 0.01
