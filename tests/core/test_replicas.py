"""Read replicas against a real streaming replica of the session's embedded PostgreSQL: the
read-only routes read from it, writes and what their callers read back stay on the primary, a
lagging or stopped replica is skipped without an error and used again once well, and row
security holds there as on the primary."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bitnexus.app import create_app
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, read_urls
from bitnexus.core.deps import read_transaction
from bitnexus.core.errors import ReplicaConflict
from bitnexus.core.metrics.families import REPLICA_READS
from bitnexus.core.replicas import Reads, ReplicaState, parse_lsn, replay_lag
from tests.conftest import ClientFactory
from tests.core.replica import StreamingReplica
from tests.factories import Account, Program, new_program
from tests.ops.metrics_support import value
from tests.waiting import eventually, wait_until


@pytest.mark.parametrize(
    ("history", "replayed", "since_commit", "lag"),
    [
        pytest.param([], 0x10, None, 0.0, id="not-measured-yet"),
        pytest.param([(90.0, 0x10), (99.0, 0x20)], 0x20, 3600.0, 0.0, id="caught-up-idle-primary"),
        pytest.param([(90.0, 0x10), (99.0, 0x20)], 0x18, 0.5, 10.0, id="behind-the-newest"),
        pytest.param([(99.9, 0x20)], 0x18, 0.2, 0.2, id="first-measurement-a-moment-behind"),
        pytest.param([(99.9, 0x20)], 0x18, None, 0.1, id="first-measurement-nothing-replayed"),
        pytest.param([(96.0, 0x20), (99.0, 0x30)], 0x18, 60.0, 60.0, id="behind-every-sample"),
    ],
)
def test_replay_lag_is_the_time_since_the_primary_had_nothing_newer(
    history: list[tuple[float, int]], replayed: int, since_commit: float | None, lag: float
) -> None:
    assert replay_lag(history, replayed, 100.0, since_commit) == pytest.approx(lag)


def test_wal_positions_order_as_the_wal_does() -> None:
    assert parse_lsn("0/16ED498") < parse_lsn("0/FFFFFFFF") < parse_lsn("1/0")


def test_read_urls_are_listed_comma_separated(settings: Settings) -> None:
    listed = settings.model_copy(
        update={"database_read_url": " postgresql://a:x@r1/bitnexus , postgresql://a:x@r2:6432/b,"}
    )
    assert [(u.host, u.port, u.drivername) for u in read_urls(listed)] == [
        ("r1", None, "postgresql+psycopg"),
        ("r2", 6432, "postgresql+psycopg"),
    ]
    assert read_urls(settings) == ()


@pytest.fixture(scope="module")
def replica(db_urls: DatabaseUrls) -> Iterator[StreamingReplica]:
    standby = StreamingReplica(db_urls)
    try:
        standby.create()
        yield standby
    finally:
        standby.remove()  # stopped whatever happened


@pytest.fixture
def running(replica: StreamingReplica) -> Iterator[StreamingReplica]:
    """The replica streaming and replaying when the test starts, and again when it ends."""
    if not replica.streaming():
        replica.start()
    replica.resume()
    wait_until(replica.caught_up, "the replica has caught up")
    yield replica
    if not replica.streaming():
        replica.start()
    replica.resume()


@pytest.fixture
async def reading_app(
    settings: Settings, db_urls: DatabaseUrls, running: StreamingReplica
) -> AsyncIterator[FastAPI]:
    """The app with the replica as its read replica (lag measured when a test says)."""
    urls = dataclasses.replace(db_urls, read=(running.app_url,))
    app = create_app(settings, urls)
    app.state.db = Database(db_urls.app, pool_size=2)
    app.state.embedder = None  # search by words only
    app.state.reads = Reads(app.state.db, urls.read, max_lag_seconds=30.0, pool_size=2)
    await app.state.reads.check()
    assert app.state.reads.replicas[0].usable(30.0), app.state.reads.status()
    yield app
    await app.state.reads.dispose()
    await app.state.db.dispose()


@pytest.fixture
async def shop(make_client: ClientFactory) -> Program:
    return await new_program(make_client)


def through(app: FastAPI, account: Account) -> httpx.AsyncClient:
    """`account`'s calls to the app with the replica."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=account.headers
    )


def replica_reads() -> float:
    return REPLICA_READS.labels("replica")._value.get()  # type: ignore[attr-defined,no-any-return]


async def get(client: httpx.AsyncClient, path: str) -> Any:
    r = await client.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def titles(page: dict[str, Any]) -> list[str]:
    return [p["title"] for p in page["items"]]


READ_ROUTES = [
    pytest.param("affiliate", "/api/v1/dashboards/affiliate", id="affiliate-dashboard"),
    pytest.param("vendor", "/api/v1/dashboards/vendor", id="vendor-dashboard"),
    pytest.param("admin", "/api/v1/dashboards/admin", id="admin-dashboard"),
    pytest.param("affiliate", "/api/v1/marketplace", id="marketplace"),
    pytest.param("affiliate", "/api/v1/marketplace/categories", id="categories"),
    pytest.param("affiliate", "/api/v1/products/search?q=python", id="search"),
    pytest.param("admin", "/api/v1/ledger/accounts", id="ledger-accounts"),
    pytest.param("admin", "/api/v1/ledger/transactions", id="ledger-transactions"),
    pytest.param("admin", "/api/v1/ledger/blocks", id="ledger-blocks"),
]


@pytest.mark.parametrize(("who", "path"), READ_ROUTES)
async def test_a_read_only_route_is_served_by_the_replica(
    reading_app: FastAPI, shop: Program, running: StreamingReplica, who: str, path: str
) -> None:
    # given a replica that has everything the primary has
    await shop.approved()
    wait_until(running.caught_up, "the replica has the product")
    await reading_app.state.reads.check()
    before = replica_reads()

    # when the route is read
    async with through(reading_app, getattr(shop, who)) as client:
        await get(client, path)

    # then the replica served it
    assert replica_reads() == before + 1


async def test_the_marketplace_and_dashboards_read_what_the_replica_has(
    reading_app: FastAPI, shop: Program, running: StreamingReplica
) -> None:
    # given a replica whose replay is paused (its lag last measured as none)
    await shop.approved(title="Seen everywhere")
    wait_until(running.caught_up, "the replica has the first product")
    running.pause()
    await reading_app.state.reads.check()

    # when a product is approved and another listed on the primary
    await shop.approved(title="Only on the primary")
    await shop.listed(title="Waiting for vetting")

    # then the marketplace and the admin's dashboard, read from the replica, lack them
    async with through(reading_app, shop.affiliate) as client:
        assert titles(await get(client, "/api/v1/marketplace")) == ["Seen everywhere"]
    async with through(reading_app, shop.admin) as client:
        assert (await get(client, "/api/v1/dashboards/admin"))["vetting_queue"] == 0
    # while the primary has them
    assert titles(await shop.market()) == ["Only on the primary", "Seen everywhere"]


async def test_a_write_and_its_read_back_use_the_primary(
    reading_app: FastAPI, shop: Program, running: StreamingReplica
) -> None:
    # given a replica whose replay is paused (its lag last measured as none)
    running.pause()
    await reading_app.state.reads.check()

    async with through(reading_app, shop.vendor) as vendor:
        # when the vendor lists a product and opens it, and their list of products
        r = await vendor.post(
            "/api/v1/products",
            json={
                "title": "Fresh",
                "description": "Just listed.",
                "category": "Courses",
                "tags": [],
                "price_minor": 1_000,
                "currency": "USD",
                "landing_url": "https://vendor.example/fresh",
            },
        )
        assert r.status_code == 201, r.text
        product = await get(vendor, f"/api/v1/products/{r.json()['id']}")
        mine = await get(vendor, "/api/v1/products")

    # then both read their write back (from the primary)
    assert product["title"] == "Fresh"
    assert titles(mine) == ["Fresh"]


async def test_a_replica_past_the_lag_limit_is_skipped_until_it_catches_up(
    reading_app: FastAPI, shop: Program, running: StreamingReplica
) -> None:
    reads: Reads = reading_app.state.reads
    reads.max_lag = 0.5
    # given a replica whose replay is paused while the primary writes
    running.pause()
    await reads.check()
    await shop.approved(title="Newer than the replica")

    # when its lag passes the limit
    async def lagging() -> bool:
        await reads.check()
        return not reads.replicas[0].usable(reads.max_lag)

    await eventually(lagging, "the replica is measured past the limit")
    assert reads.replicas[0].state is ReplicaState.streaming
    assert (reads.replicas[0].lag or 0) > 0.5
    before = replica_reads()

    # then reads go to the primary, which has the product
    async with through(reading_app, shop.affiliate) as client:
        assert titles(await get(client, "/api/v1/marketplace")) == ["Newer than the replica"]
    assert replica_reads() == before

    # and once replay goes on, the replica is used again
    running.resume()

    async def usable() -> bool:
        await reads.check()
        return reads.replicas[0].usable(reads.max_lag)

    await eventually(usable, "the replica is measured within the limit again")
    async with through(reading_app, shop.affiliate) as client:
        assert titles(await get(client, "/api/v1/marketplace")) == ["Newer than the replica"]
    assert replica_reads() == before + 1


async def test_a_stopped_replica_is_skipped_and_used_again_when_back(
    reading_app: FastAPI, shop: Program, running: StreamingReplica
) -> None:
    reads: Reads = reading_app.state.reads
    await shop.approved(title="Always there")
    async with through(reading_app, shop.affiliate) as client:
        await get(client, "/api/v1/marketplace")  # a pooled connection to the replica

    # when the replica stops (no measurement has noticed yet)
    running.stop()
    before = replica_reads()
    async with through(reading_app, shop.affiliate) as client:
        # then reads answer from the primary, without an error
        for _ in range(3):
            assert titles(await get(client, "/api/v1/marketplace")) == ["Always there"]
        assert replica_reads() == before
        assert reads.replicas[0].state is ReplicaState.down
        await reads.check()
        assert reads.replicas[0].state is ReplicaState.down

        # and once it is back and measured, it serves again
        running.start()
        wait_until(running.caught_up, "the restarted replica has caught up")
        await reads.check()
        assert titles(await get(client, "/api/v1/marketplace")) == ["Always there"]
    assert replica_reads() == before + 1


async def test_row_security_holds_on_the_replica(
    reading_app: FastAPI, make_client: ClientFactory, running: StreamingReplica
) -> None:
    # given two organisations with a product each, both on the replica
    ours, theirs = await new_program(make_client), await new_program(make_client)
    await ours.approved(title="Ours")
    await theirs.approved(title="Theirs")
    wait_until(running.caught_up, "the replica has both")
    await reading_app.state.reads.check()

    # when each affiliate browses through the replica
    async with through(reading_app, ours.affiliate) as client:
        seen_by_ours = titles(await get(client, "/api/v1/marketplace"))
    async with through(reading_app, theirs.affiliate) as client:
        seen_by_theirs = titles(await get(client, "/api/v1/marketplace"))

    # then each sees its own organisation's product only
    assert (seen_by_ours, seen_by_theirs) == (["Ours"], ["Theirs"])

    # and a unit of work scoped to one tenant reads none of the other's rows on the replica
    tenant = ours.admin.user["tenant"]["id"]
    async with read_transaction(reading_app.state.reads, tenant) as session:
        standby = (await session.execute(text("SELECT pg_is_in_recovery()"))).scalar()
        visible = await session.execute(text("SELECT DISTINCT tenant_id::text FROM products"))
        assert (standby, [row[0] for row in visible]) == (True, [tenant])


async def test_a_read_unit_of_work_is_read_only_on_the_primary_too(
    db_urls: DatabaseUrls, shop: Program
) -> None:
    # given no replica: reads go to the primary, through the pool writers use (one connection)
    db = Database(db_urls.app, pool_size=1)
    reads = Reads(db)
    tenant = shop.admin.user["tenant"]["id"]
    try:
        # when a read unit of work tries to write, then PostgreSQL refuses it
        with pytest.raises(DBAPIError, match="read-only transaction"):
            async with read_transaction(reads, tenant) as session:
                await session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))

        # and the connection it used writes again in a unit of work of the primary's
        async with db.sessionmaker() as session, session.begin():
            await session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
    finally:
        await db.dispose()


@pytest.mark.parametrize("fails", [False, True], ids=["answered", "failed"])
async def test_a_read_unit_of_work_ends_its_transaction(
    db_urls: DatabaseUrls, shop: Program, fails: bool
) -> None:
    # given no replica, and a pool of one connection
    db = Database(db_urls.app, pool_size=1)
    reads = Reads(db)
    tenant = shop.admin.user["tenant"]["id"]
    try:
        # when a read unit of work reads, then ends (or its reader fails)
        with contextlib.suppress(LookupError):
            async with read_transaction(reads, tenant) as session:
                began = (await session.execute(text("SELECT now()"))).scalar_one()
                if fails:
                    raise LookupError("the reader failed")

        # then its connection is back in the pool with no transaction open
        async with db.statements() as connection:
            assert not connection.is_in_transaction()
        # and the next unit of work on it is a transaction of its own
        async with read_transaction(reads, tenant) as session:
            assert (await session.execute(text("SELECT now()"))).scalar_one() > began
    finally:
        await db.dispose()


async def test_the_app_measures_its_replicas_and_exports_their_lag(
    settings: Settings, db_urls: DatabaseUrls, running: StreamingReplica, tmp_path: Path
) -> None:
    # given an app started with DATABASE_READ_URL naming the replica, measuring every 0.2 s
    url = running.app_url.render_as_string(hide_password=False)
    changed = settings.model_copy(
        update={"database_read_url": url, "replica_check_seconds": 0.2, "data_dir": tmp_path}
    )
    app = create_app(changed, dataclasses.replace(db_urls, read=read_urls(changed)))
    async with app.router.lifespan_context(app):
        reads: Reads = app.state.reads
        name = reads.replicas[0].name
        # then it was measured before the first request, and goes on being measured
        assert reads.replicas[0].usable(changed.replica_max_lag_seconds), reads.status()
        running.stop()
        await eventually(
            _async(lambda: reads.replicas[0].state is ReplicaState.down), "the job sees it stop"
        )
        running.start()
        await eventually(
            _async(lambda: reads.replicas[0].usable(reads.max_lag)), "the job sees it back"
        )

        # and a scrape tells its lag and that it is used
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert 0 <= value(r.text, "bitnexus_db_replica_lag_seconds", replica=name) <= 5
    assert value(r.text, "bitnexus_db_replica_usable", replica=name) == 1
    assert value(r.text, "bitnexus_job_runs_total", name="replica_lag") >= 2


def _async(condition: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return condition()

    return check


async def test_a_read_the_replica_cancels_for_replay_answers_503_with_retry_after(
    reading_app: FastAPI, running: StreamingReplica, owner_engine: Engine, shop: Program
) -> None:
    # given a replica that cancels at once a query standing in replay's way, and a table both have
    running.configure("max_standby_streaming_delay", "0")
    with owner_engine.begin() as conn:
        conn.execute(text("CREATE TABLE replay_probe (n int)"))
        conn.execute(text("GRANT SELECT ON replay_probe TO bitnexus_app"))
    try:
        wait_until(running.caught_up, "the replica has the table")
        await reading_app.state.reads.check()

        # when a read on the replica holds the table while the primary locks it exclusively
        async def long_read() -> None:
            tenant = shop.admin.user["tenant"]["id"]
            async with read_transaction(reading_app.state.reads, tenant) as session:
                await session.execute(text("SELECT count(*) FROM replay_probe, pg_sleep(30)"))

        reading = asyncio.create_task(long_read())

        async def read_running() -> bool:
            active = await asyncio.to_thread(
                running.ask,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%FROM replay_probe%'"
                " AND state = 'active' AND pid <> pg_backend_pid()",
            )
            return active == 1

        await eventually(read_running, "the read is running on the replica")
        with owner_engine.begin() as conn:
            conn.execute(text("LOCK TABLE replay_probe IN ACCESS EXCLUSIVE MODE"))

        # then the read fails as a 503 asking to try again, not as an error of ours
        with pytest.raises(ReplicaConflict) as refused:
            await asyncio.wait_for(reading, timeout=60)
        assert (refused.value.status, refused.value.headers) == (503, {"Retry-After": "1"})
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DROP TABLE replay_probe"))
        running.configure("max_standby_streaming_delay", None)
