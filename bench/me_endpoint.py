"""`GET /api/v1/me` through the full stack vs a bare Starlette app running the same query.

Both are single uvicorn processes on this machine, loaded by the same `wrk` run settings.
Target: the full stack reaches at least 0.5x the bare app's requests per second.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.data import bench_dir
from bitnexus.accounts.models import Role
from bitnexus.accounts.service.registration import create_user
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import libpq
from bitnexus.tenants import service as tenants

PASSWORD = "bench-marigold-anvil-39"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    assert m, value
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n


def wrk(
    url: str,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> WrkResult:
    """`wrk` against `url`; `script` is the path of a Lua script that shapes each request."""
    sent = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}",
            "--latency",
            *(arg for name, value in sent.items() for arg in ("-H", f"{name}: {value}")),
            *(("-s", script) if script else ()),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rps, p50, p99, int(bad.group(1)) if bad else 0)


def _wait_ready(url: str, token: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=2)
            if r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


async def _seed(settings: Settings) -> tuple[str, str]:
    urls = provision.migrate(settings)
    db = Database(urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session, session.begin():
            tenant = await tenants.create(
                session, name="Bench Org", slug=f"bench-{uuid.uuid4().hex[:8]}"
            )
            user = await create_user(
                session,
                tenant,
                email="bench@example.com",
                name="Bench",
                password=PASSWORD,
                role=Role.tenant_admin,
            )
            return tenant.slug, str(user.id)
    finally:
        await db.dispose()


async def _breakdown(settings: Settings, slug: str, user_id: str) -> dict[str, float]:
    """Where one /me request's time goes, measured in-process (ms per request, 1,000 each)."""
    import psycopg
    from sqlalchemy import text

    from bitnexus.app import create_app

    urls = provision.database_urls(settings)
    app = create_app(settings, urls)
    out: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            r = await client.post(
                "/api/v1/auth/login",
                json={"organisation": slug, "email": "bench@example.com", "password": PASSWORD},
            )
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            tenant_id = r.json()["user"]["tenant"]["id"]
            for label, path in (
                ("ASGI /healthz (framework + middleware floor)", "/healthz"),
                ("ASGI /api/v1/me (full stack)", "/api/v1/me"),
            ):
                for _ in range(100):
                    await client.get(path, headers=headers)
                t = time.perf_counter()
                for _ in range(1000):
                    await client.get(path, headers=headers)
                out[label] = time.perf_counter() - t
        db = app.state.db
        t = time.perf_counter()
        for _ in range(1000):
            async with db.sessionmaker() as session:
                await session.begin()
                await session.execute(
                    text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": tenant_id}
                )
                await session.execute(text("SELECT * FROM users WHERE id = :u"), {"u": user_id})
                await session.commit()
        out["SQLAlchemy session: BEGIN, set_config, SELECT, COMMIT"] = time.perf_counter() - t
    async with await psycopg.AsyncConnection.connect(libpq(urls.owner), autocommit=True) as conn:
        t = time.perf_counter()
        for _ in range(1000):
            await (
                await conn.execute("SELECT * FROM users WHERE id = %s", (user_id,), prepare=True)
            ).fetchone()
        out["raw psycopg: one SELECT"] = time.perf_counter() - t
    return out


def run() -> str:
    with bench_dir("me") as tmp:
        env = {
            **os.environ,
            "BITNEXUS_DATA_DIR": tmp,
            "BITNEXUS_SECRET_KEY": uuid.uuid4().hex * 2,
            "BITNEXUS_LOG_LEVEL": "WARNING",
            "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
            "BITNEXUS_LOG_FORMAT": "json",
        }
        os.environ.update(env)
        settings = Settings()
        slug, user_id = asyncio.run(_seed(settings))
        urls = provision.database_urls(settings)
        full_port, bare_port = _free_port(), _free_port()
        bindir = Path(sys.executable).parent
        full = subprocess.Popen(
            [str(bindir / "bitnexus"), "serve", "--no-migrate", "--port", str(full_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [
                str(bindir / "uvicorn"),
                "bench.bare_app:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**env, "BENCH_DSN": libpq(urls.owner), "BENCH_USER_ID": user_id},
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            login = None
            deadline = time.monotonic() + 60
            while login is None and time.monotonic() < deadline:
                try:
                    login = httpx.post(
                        f"http://127.0.0.1:{full_port}/api/v1/auth/login",
                        json={
                            "organisation": slug,
                            "email": "bench@example.com",
                            "password": PASSWORD,
                        },
                        timeout=5,
                    )
                except httpx.HTTPError:
                    time.sleep(0.3)
            assert login is not None and login.status_code == 200, login
            token = login.json()["access_token"]
            full_url = f"http://127.0.0.1:{full_port}/api/v1/me"
            bare_url = f"http://127.0.0.1:{bare_port}/api/v1/me"
            _wait_ready(full_url, token, full)
            _wait_ready(bare_url, token, bare)
            wrk(bare_url, token)  # warm-up both (prepared statements, pools)
            wrk(full_url, token)
            bare_result = wrk(bare_url, token)
            full_result = wrk(full_url, token)
        finally:
            for proc in (full, bare):
                proc.terminate()
                proc.wait(timeout=30)
        breakdown = asyncio.run(_breakdown(settings, slug, user_id))
    ratio = full_result.rps / bare_result.rps
    verdict = "meets" if ratio >= 0.5 else "misses"
    return (
        "## GET /api/v1/me — full stack vs bare Starlette\n\n"
        f"wrk, 2 threads, {CONNECTIONS} connections, {DURATION} per run, one uvicorn process each, "
        "same embedded PostgreSQL.\n\n"
        "| app | req/s | p50 ms | p99 ms | non-2xx |\n|---|---:|---:|---:|---:|\n"
        f"| bare Starlette + psycopg (1 query) | {bare_result.rps:,.0f} | {bare_result.p50_ms:.2f} | "
        f"{bare_result.p99_ms:.2f} | {bare_result.non_2xx} |\n"
        f"| BitNexus (JWT, tenant transaction, RLS, ORM) | {full_result.rps:,.0f} | "
        f"{full_result.p50_ms:.2f} | {full_result.p99_ms:.2f} | {full_result.non_2xx} |\n\n"
        f"**Ratio: {ratio:.2f}x** (target ≥ 0.5x: {verdict}).\n\n"
        "### Where the time goes (in-process, ms per request, 1,000 requests each)\n\n"
        "| step | ms |\n|---|---:|\n"
        + "".join(f"| {k} | {v:.2f} |\n" for k, v in breakdown.items())
        + _analysis(breakdown)
    )


def _analysis(b: dict[str, float]) -> str:
    full = b["ASGI /api/v1/me (full stack)"]
    floor = b["ASGI /healthz (framework + middleware floor)"]
    db = b["SQLAlchemy session: BEGIN, set_config, SELECT, COMMIT"]
    raw = b["raw psycopg: one SELECT"]
    rest = max(full - floor - db, 0.0)
    return (
        "\n**Analysis.** The bare app pays one database round trip (~"
        f"{raw:.2f} ms). The full stack pays a transaction per request so that RLS can be scoped "
        "with a transaction-local `set_config`: four round trips through SQLAlchemy's async "
        f"adapter cost {db:.2f} ms ({db / full:.0%} of the request). The FastAPI/Starlette floor "
        f"with our middleware is {floor:.2f} ms; the remaining {rest:.2f} ms is ORM entity "
        "loading of user + tenant, dependency resolution and response-model validation. "
        "Levers, in order of size: send `BEGIN` + `set_config` as one round trip (psycopg "
        "pipeline), read the principal with a Core query instead of two ORM entities, cache the "
        "validated principal per access-token `jti` for its short lifetime, and run more than "
        "one worker process per core pair (both apps here are single-process).\n"
    )
