"""Test fixtures: one real embedded PostgreSQL per session, migrated by the real code path.

Tests isolate by tenant: each creates its own organisations (unique slugs), so they never see
each other's rows, and commit like production does.
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bitnexus.app import create_app
from bitnexus.core import embedded_postgres, provision
from bitnexus.core.config import Environment, Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.logging import configure_logging
from bitnexus.ops import metrics as ops_metrics
from bitnexus.search import embedder as embedding
from bitnexus.search.embedder import Embedder
from bitnexus.tracking.recorder import ClickRecorder
from tests.factories import (
    PASSWORD,
    Account,
    Program,
    login,
    new_program,
    read_mail_from,
    unique_email,
)

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ("tests.redis_server",)  # `redis_url`: a real redis-server, started on demand


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bitnexus-test-") as tmp:
        yield Path(tmp)
        # before the directory goes: the server's own at-exit stop would find its handle file
        # deleted and leave PostgreSQL running after the tests
        embedded_postgres.stop(Path(tmp))


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    os.environ.pop("DATABASE_URL", None)
    return Settings(
        BITNEXUS_ENV=Environment.development,
        BITNEXUS_DATA_DIR=data_dir,
        BITNEXUS_SECRET_KEY="test-secret-" + secrets.token_hex(16),
        BITNEXUS_FRONTEND_DIST=ROOT / "frontend" / "dist",
        BITNEXUS_LOG_FORMAT="json",
        BITNEXUS_LEDGER_SEAL_SECONDS=0,  # tests seal explicitly; test_jobs runs the sealer itself
        BITNEXUS_LINK_CACHE_SECONDS=0,  # a paused link stops at once (test_redirect tests the cache)
        BITNEXUS_ROLLUP_SECONDS=0,  # tests roll clicks up themselves (tests/analytics)
        BITNEXUS_COMMISSION_MATURE_SECONDS=0,  # and mature commissions with a clock they set
        BITNEXUS_PAYOUT_SCHEDULE_SECONDS=0,  # and make scheduled batches when they say
        BITNEXUS_SEARCH_INDEX_SECONDS=0,  # and embed products when they need (tests/search)
        BITNEXUS_NOTIFY_MAIL_SECONDS=0,  # and mail notifications when they say
        BITNEXUS_WEBHOOKS_POLL_SECONDS=0,  # and send due webhooks when they say (tests/webhooks)
        BITNEXUS_WAL_ARCHIVE=False,  # no WAL archive but in tests/ops/backup
    )


@pytest.fixture(scope="session")
def db_urls(settings: Settings) -> DatabaseUrls:
    configure_logging("INFO", "json")
    urls = provision.migrate(settings)
    read_mail_from(urls)
    return urls


@pytest.fixture(scope="session")
def owner_engine(db_urls: DatabaseUrls) -> Iterator[Engine]:
    """A synchronous engine as the owner role (test set-up and tampering only)."""
    engine = create_engine(db_urls.owner)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app_engine(db_urls: DatabaseUrls) -> Iterator[Engine]:
    """A synchronous engine as the runtime role: what RLS tests speak as."""
    engine = create_engine(db_urls.app)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
async def app(settings: Settings, db_urls: DatabaseUrls) -> AsyncIterator[FastAPI]:
    application = create_app(settings, db_urls)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def embedder() -> Embedder:
    """The embedding model, loaded once for the session in its child process (the app under
    test shares it: `embedder.shared` is one per process)."""
    model = embedding.shared(1)
    await model.encode(["warm up"])
    return model


_ips = itertools.count(1)

ClientFactory = Callable[[], httpx.AsyncClient]


@pytest.fixture
async def db(db_urls: DatabaseUrls) -> AsyncIterator[Database]:
    """The runtime role's engine with a small pool of its own, for tests of the machinery below
    the routes (a test module needing another pool size defines its own)."""
    database = Database(db_urls.app, pool_size=2)
    yield database
    await database.dispose()


class SettlingTransport(httpx.ASGITransport):
    """The app's transport, except that a redirect's answer is handed over once its click is in
    PostgreSQL, not only in the recorder's write-ahead file: tests read clicks right away.
    (Conversions wait for a click that young by themselves: tests/commissions.)"""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path.startswith("/r/"):
            await self.app.state.clicks.settled()  # type: ignore[attr-defined]
        return response


@pytest.fixture
async def make_client(app: FastAPI) -> AsyncIterator[ClientFactory]:
    """Clients through the real ASGI app, each from its own client IP (so throttles don't mix)."""
    clients: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        n = next(_ips)
        ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        transport = SettlingTransport(app=app, client=(ip, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch_server(
    settings: Settings, *args: str, **extra_env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """`bitnexus serve` (with `args`) in its own process on a free port, against the test
    database."""
    port = free_port()
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
        "BITNEXUS_LOG_LEVEL": "WARNING",
        "BITNEXUS_FRONTEND_DIST": str(settings.frontend_dist),
        "BITNEXUS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
        "BITNEXUS_LINK_CACHE_SECONDS": "0",
        "BITNEXUS_ROLLUP_SECONDS": "0",
        "BITNEXUS_COMMISSION_MATURE_SECONDS": "0",
        "BITNEXUS_PAYOUT_SCHEDULE_SECONDS": "0",
        # no indexer: a server loads the model (~300 MB, seconds of CPU) only when it searches
        "BITNEXUS_SEARCH_INDEX_SECONDS": "0",
        "BITNEXUS_NOTIFY_MAIL_SECONDS": "0",
        "BITNEXUS_WEBHOOKS_POLL_SECONDS": "0",  # tests/webhooks send due webhooks themselves
        "BITNEXUS_WAL_ARCHIVE": "false",
        **extra_env,
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("bitnexus")),
            "serve",
            "--no-migrate",
            "--port",
            str(port),
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its worker processes, if any, can be stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)  # workers too: they hold the stderr pipe
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {err[-2000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server_url(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    index = settings.frontend_dist / "index.html"
    assert index.is_file(), "the SPA is not built: run `make test` (it builds frontend/dist)"
    proc, url = launch_server(settings)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    return make_client()


@pytest.fixture
async def platform_admin(make_client: ClientFactory, db_urls: DatabaseUrls) -> object:
    """A fresh platform admin (created like `bitnexus create-platform-admin` does)."""
    from bitnexus.core.db import Database
    from bitnexus.demo import PLATFORM_SLUG, create_platform_admin

    email = unique_email("root")
    db = Database(db_urls.app, pool_size=1)
    try:
        await create_platform_admin(db, email=email, name="Root", password=PASSWORD)
    finally:
        await db.dispose()
    client = make_client()
    r = await login(client, PLATFORM_SLUG, email)
    assert r.status_code == 200, r.text
    return Account(client, r.json()["access_token"], r.json()["user"])


@pytest.fixture
async def program(make_client: ClientFactory) -> Program:
    """An organisation with its admin, a vendor and an affiliate (see tests/factories)."""
    return await new_program(make_client)


class AppWith(Protocol):
    def __call__(self, **changes: object) -> Awaitable[httpx.AsyncClient]: ...


@pytest.fixture
async def app_with(
    settings: Settings, db_urls: DatabaseUrls, tmp_path: Path
) -> AsyncIterator[AppWith]:
    """A client of an app made with some settings changed: a pool and a metrics exporter of its
    own, none of the background jobs of a full start."""
    opened: list[tuple[httpx.AsyncClient, FastAPI]] = []

    async def make(**changes: object) -> httpx.AsyncClient:
        changed = settings.model_copy(update=changes)
        app = create_app(changed, db_urls)
        app.state.db = Database(db_urls.app, pool_size=1)
        clicks = ClickRecorder(app.state.db, tmp_path / "spool")
        dsn = libpq(db_urls.app)
        app.state.metrics = ops_metrics.exporter(changed, dsn, app.state.db, clicks)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        opened.append((client, app))
        return client

    yield make
    for client, app in opened:
        await client.aclose()
        await app.state.db.dispose()
        await app.state.redis.close()
