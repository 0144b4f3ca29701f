"""BitNexus through a real PgBouncer in transaction mode (`BITNEXUS_DB_POOLER=transaction`):
a server connection is a client's for one transaction only, so no prepared statement, tenant
or other session setting may outlive its transaction; LISTEN and the consumers' session locks
go straight to PostgreSQL (`DATABASE_DIRECT_URL`). docs/pooling.md."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bitnexus.app import create_app
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq, resolve
from bitnexus.core.events import Event, Subscription
from bitnexus.tracking.models import Click
from bitnexus.tracking.recorder import ClickRecorder, codec, spool
from tests.commissions.support import open_shop
from tests.conftest import ClientFactory, SettlingTransport, launch_server
from tests.core.pgbouncer import POOL_SIZE, Bouncer, pgbouncer
from tests.factories import Program, new_program, signup_org
from tests.tracking.support import browser_visit, live_link, stored_clicks, tenant_of

CLIENT_POOL = 4  # the app's own pool: more connections than the pooler has server connections


@pytest.fixture(scope="module")
def bouncer(db_urls: DatabaseUrls) -> Iterator[Bouncer]:
    with pgbouncer(db_urls.app) as running:
        yield running


@pytest.fixture(scope="module")
async def pooled(
    settings: Settings,
    db_urls: DatabaseUrls,
    bouncer: Bouncer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[FastAPI]:
    """The whole app (its recorder, outbox listener and consumers) with its runtime URL
    through the pooler and the direct URL for what keeps a session."""
    changed = settings.model_copy(
        update={
            "db_pooler": "transaction",
            "db_pool_size": CLIENT_POOL,
            "data_dir": tmp_path_factory.mktemp("pooled"),  # a click spool of its own
        }
    )
    urls = DatabaseUrls(
        owner=db_urls.owner,
        app=bouncer.url(db_urls.app),
        superuser=db_urls.superuser,
        direct=db_urls.app,
    )
    application = create_app(changed, urls)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def clients(pooled: FastAPI) -> AsyncIterator[ClientFactory]:
    made: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        n = len(made) + 1
        ip = f"10.222.{n >> 8 & 255}.{n & 255}"
        made.append(
            httpx.AsyncClient(
                transport=SettlingTransport(app=pooled, client=(ip, 40000)),
                base_url="http://testserver",
            )
        )
        return made[-1]

    yield factory
    for client in made:
        await client.aclose()


async def test_a_signed_in_caller_reads_their_profile(clients: ClientFactory) -> None:
    # given two organisations' admins, signed up through the pooler
    admins = [await signup_org(clients()), await signup_org(clients())]

    # when they read their profiles, many times at once (`bitnexus_principal`: one statement
    # outside any session's transaction, its unnamed statement parsed again as it runs)
    asked = [admins[n % 2] for n in range(24)]
    answers = await asyncio.gather(*(a.client.get("/api/v1/me", headers=a.headers) for a in asked))

    # then each read their own
    assert [r.status_code for r in answers] == [200] * len(asked)
    assert [r.json()["email"] for r in answers] == [a.user["email"] for a in asked]


async def test_tenants_interleaved_on_shared_server_connections_stay_apart(
    pooled: FastAPI, bouncer: Bouncer
) -> None:
    # given more units of work at once, for two tenants by turns, than the pooler has server
    # connections
    db: Database = pooled.state.db
    tenants = [uuid.uuid4(), uuid.uuid4()]

    async def unit(tenant: uuid.UUID) -> tuple[int, str, str]:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant)
            backend = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await asyncio.sleep(0)  # let the other units begin theirs meanwhile
            seen = (
                await session.execute(text("SELECT current_setting('bitnexus.tenant_id')"))
            ).scalar_one()
        return backend, str(tenant), seen

    # when they run
    # (in runs of three: strictly alternating units could meet server connections that
    # alternate too, each then serving one tenant only)
    done = await asyncio.gather(*(unit(tenants[n // 3 % 2]) for n in range(42)))

    # then each saw its own tenant only, on the pooler's few server connections, each of
    # which served both tenants
    assert all(seen == tenant for _, tenant, seen in done)
    served: dict[int, set[str]] = {}
    for backend, tenant, _ in done:
        served.setdefault(backend, set()).add(tenant)
    assert len(served) <= POOL_SIZE
    assert any(len(both) == 2 for both in served.values())
    # and a transaction that names no tenant finds none left over from them
    for _ in range(POOL_SIZE * 2):
        async with db.sessionmaker() as session, session.begin():
            left = await session.execute(text("SELECT current_setting('bitnexus.tenant_id', true)"))
            assert left.scalar_one() in (None, "")


async def test_two_organisations_writing_at_once_read_only_their_own(
    clients: ClientFactory,
) -> None:
    # given two organisations, each with a vendor
    one, other = await new_program(clients), await new_program(clients)

    # when both list products at once, in turn, over the same few server connections
    async def listed(program: object, n: int) -> str:
        made = await program.listed(title=f"Item {n}")  # type: ignore[attr-defined]
        return str(made["id"])

    made = await asyncio.gather(*(listed((one, other)[n % 2], n) for n in range(12)))

    # then each reads back its own six and nothing of the other's
    for k, program in enumerate((one, other)):
        r = await program.vendor.client.get("/api/v1/products", headers=program.vendor.headers)
        assert r.status_code == 200, r.text
        assert {i["id"] for i in r.json()["items"]} == set(made[k::2])


async def test_clicks_are_recorded_and_a_sale_pays_and_is_announced(
    pooled: FastAPI, clients: ClientFactory
) -> None:
    # given two organisations' live links and a subscriber to every event of this process
    shops = [await open_shop(await new_program(clients), clients) for _ in range(2)]
    everything = pooled.state.events.subscribe(None)

    # when visitors click both at once (the recorder writes each tenant's batch in a
    # transaction of its own through the pooler) and one of them buys
    clicks = await asyncio.gather(*(shops[n % 2].click(clients()) for n in range(8)))
    r = await shops[0].report(click_id=clicks[0])

    # then each organisation stored its own clicks, the sale paid its commission (the sale
    # desk's bulk inserts), and its event reached the subscriber (NOTIFY through the pooler,
    # LISTEN direct)
    for k, shop in enumerate(shops):
        async with pooled.state.db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.UUID(shop.program.admin.user["tenant"]["id"]))
            stored = await session.execute(select(Click.id))
            assert set(stored.scalars()) == {uuid.UUID(c) for c in clicks[k::2]}
    assert r.status_code == 201, r.text
    assert (await shops[0].balances(shops[0].affiliate))["pending"] > 0
    tenant = shops[0].program.admin.user["tenant"]["id"]
    event = await asyncio.wait_for(_first(everything, tenant, "commission.created"), 30)
    assert event.data["conversion_id"] == r.json()["id"]
    everything.close()


async def test_a_click_refused_through_the_pooler_holds_back_no_other(
    program: Program, db_urls: DatabaseUrls, bouncer: Bouncer, owner_engine: Engine, tmp_path: Path
) -> None:
    # given a dead process's segment with a line PostgreSQL refuses among good ones
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(6)]
    bad = dataclasses.replace(browser_visit(tenant_id, link["id"], 99), bot_reason="robot")
    lines = [codec.encode((v, b"\x03" * 16, v.id.bytes)) for v in [*visits[:3], bad, *visits[3:]]]
    (tmp_path / f"clicks-1-{uuid.uuid4().hex}{spool.SUFFIX}").write_bytes(b"".join(lines))
    db = Database(bouncer.url(db_urls.app), pool_size=1, pooled=True)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    try:
        # when a recorder through the pooler replays it (each try a transaction, rolled back
        # when refused, its connection used again)
        replayed = await recorder.recover()

        # then every good click is stored and the bad one kept aside
        assert replayed == 6
        assert stored_clicks(owner_engine, link) == {v.id for v in visits}
        assert (await recorder.quarantined()).lines == 1
    finally:
        await recorder.close()
        await db.dispose()


async def _first(subscription: Subscription, tenant_id: str, kind: str) -> Event:
    while True:
        event = await subscription.next()
        if str(event.tenant_id) == tenant_id and event.type == kind:
            return event


async def test_every_runtime_statement_went_through_the_pooler(
    pooled: FastAPI, bouncer: Bouncer, clients: ClientFactory
) -> None:
    # given the app at work through the pooler
    admin = await signup_org(clients())
    assert (await admin.client.get("/api/v1/me", headers=admin.headers)).status_code == 200

    # then the pooler served its transactions on at most its pool's server connections
    [pool] = [p for p in bouncer.show("POOLS") if p["database"] == "bitnexus"]
    assert pool["pool_mode"] == "transaction"
    servers = [s for s in bouncer.show("SERVERS") if s["database"] == "bitnexus"]
    assert 1 <= len(servers) <= POOL_SIZE
    [stats] = [s for s in bouncer.show("STATS") if s["database"] == "bitnexus"]
    assert stats["total_xact_count"] > 0
    assert len([c for c in bouncer.show("CLIENTS") if c["database"] == "bitnexus"]) > POOL_SIZE


async def test_served_workers_set_by_the_environment_go_through_the_pooler(
    settings: Settings, db_urls: DatabaseUrls, bouncer: Bouncer
) -> None:
    # given `bitnexus serve --workers 2` told by its environment of the pooler
    before = _transactions(bouncer)
    proc, url = await asyncio.to_thread(
        launch_server,
        settings,
        "--workers",
        "2",
        BITNEXUS_DB_POOLER="transaction",
        DATABASE_URL=libpq(db_urls.owner),
        DATABASE_APP_URL=libpq(bouncer.url(db_urls.app)),
        DATABASE_DIRECT_URL=libpq(db_urls.app),
    )
    try:
        # when an organisation signs up and its admin reads their profile
        async with httpx.AsyncClient(base_url=url) as client:
            admin = await signup_org(client)
            r = await client.get("/api/v1/me", headers=admin.headers)

        # then it went through the pooler, while each worker's outbox listener did not
        assert r.status_code == 200, r.text
        assert _transactions(bouncer) > before
        names = {c["application_name"] for c in bouncer.show("CLIENTS")}
        assert "bitnexus" in names
        assert "bitnexus-events" not in names
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


def _transactions(bouncer: Bouncer) -> int:
    """The transactions the pooler served to the app's database so far (no row: none yet)."""
    return sum(
        int(s["total_xact_count"]) for s in bouncer.show("STATS") if s["database"] == "bitnexus"
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        pytest.param("hnsw.iterative_scan", "relaxed_order", id="iterative-scan"),
    ],
)
async def test_a_search_keeps_its_settings_through_the_pooler(
    pooled: FastAPI, setting: str, value: str
) -> None:
    # given a unit of work scoped to a tenant through the pooler
    async with pooled.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.uuid4())

        # then search's settings hold, as a direct connection has them from its start
        shown = await session.execute(text(f"SHOW {setting}"))
        assert shown.scalar_one() == value


async def test_the_default_engine_cannot_pass_the_pooler(
    db_urls: DatabaseUrls, bouncer: Bouncer
) -> None:
    # given the engine as it is without the setting (startup settings, named statements)
    db = Database(bouncer.url(db_urls.app), pool_size=1)
    try:
        # then the pooler refuses it: the setting is what makes the app fit
        with pytest.raises(Exception, match="unsupported startup parameter"):
            async with db.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()


def test_a_transaction_pooler_needs_the_direct_urls(settings: Settings) -> None:
    # given the pooler setting without a direct runtime URL
    changed = settings.model_copy(
        update={"db_pooler": "transaction", "database_url": "postgresql://o@db/bitnexus"}
    )

    # then the database is refused before anything connects
    with pytest.raises(provision.DatabaseNotSuitable, match="DATABASE_DIRECT_URL"):
        provision.database_urls(changed)


def test_the_direct_url_is_the_runtime_url_without_a_pooler(tmp_path: Path) -> None:
    # given an external server, with and without a direct runtime URL
    base = {"DATABASE_URL": "postgresql://o:p@db/bitnexus", "BITNEXUS_DATA_DIR": tmp_path}
    plain = resolve(Settings(**base, DATABASE_APP_URL="postgresql://a:p@db/bitnexus"))
    pooled = resolve(
        Settings(
            **base,
            DATABASE_APP_URL="postgresql://a:p@pgbouncer:6432/bitnexus",
            DATABASE_DIRECT_URL="postgresql://a:p@db:5432/bitnexus",
            BITNEXUS_DB_POOLER="transaction",
        )
    )

    # then connections that keep a session use the pooler's bypass only when there is one
    assert plain.app_direct == plain.app
    assert (pooled.app.host, pooled.app_direct.host) == ("pgbouncer", "db")
