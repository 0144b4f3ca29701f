"""Real-time fan-out: events written to the outbox reaching 1,000 WebSocket clients of a real
server, next to a bare Starlette WebSocket broadcast of the same pre-serialised bytes to the
same clients in the same run; event-to-client latency from commit at half that rate; the
server's memory per idle connection; and the dispatcher's throughput against raw NOTIFY.

Targets (issue 19): deliveries/s ≥ 0.7 × the bare broadcast's; p99 latency ≤ 100 ms at half
the measured rate. `BENCH_FANOUT_SOCKETS=100` makes a quick smoke run.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import orjson
import websockets

from bench.data import PASSWORD, bench_dir
from bench.me_endpoint import _free_port
from bench.redirect import seed_program
from bench.server import bench_env, bitnexus_server, start, wait_ready
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import libpq
from bitnexus.core.events import Dispatcher

SOCKETS = int(os.environ.get("BENCH_FANOUT_SOCKETS", "1000"))
EVENTS = 100  # each to every socket
ROUNDS = 5  # of EVENTS, after one that warms up; the median counts
LATENCY_EVENTS = 200
DISPATCH_EVENTS = 20_000
BARE_APP = Path(__file__).with_name("bare_broadcast.py")

INSERT = (
    "INSERT INTO outbox_events (tenant_id, type, topics, data) "
    "SELECT $1, 'bench.tick', $2::jsonb, jsonb_build_object('n', n) FROM unnest($3::int[]) n"
)


class Clients:
    """`n` WebSocket clients counting what they receive (and when, per event number)."""

    def __init__(self) -> None:
        self.sockets: list[websockets.ClientConnection] = []
        self.received = 0
        self.arrivals: dict[int, list[float]] = {}
        self._readers: list[asyncio.Task[None]] = []

    async def open(
        self, url: str, n: int, hello: Callable[[websockets.ClientConnection], Awaitable[None]]
    ) -> None:
        for _ in range(n):
            ws = await websockets.connect(url, max_size=2**20, ping_interval=None)
            await hello(ws)
            self.sockets.append(ws)
        self._readers = [asyncio.create_task(self._read(ws)) for ws in self.sockets]

    async def _read(self, ws: websockets.ClientConnection) -> None:
        async for message in ws:
            if isinstance(message, bytes):
                self.received += 1
                n = orjson.loads(message)["data"]["n"]
                self.arrivals.setdefault(n, []).append(time.perf_counter())

    async def until(self, total: int) -> float:
        deadline = time.perf_counter() + 120
        while self.received < total:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.received} of {total} deliveries arrived")
            await asyncio.sleep(0.005)
        return time.perf_counter()

    def reset(self) -> None:
        self.received = 0
        self.arrivals.clear()

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _server_pid(port: int) -> int:
    out = await asyncio.create_subprocess_exec(
        "pgrep", "-f", f"serve --no-migrate --port {port}", stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await out.communicate()
    return int(stdout.split()[0])


async def _ours(base: str, slug: str, app_dsn: str, tenant_id: uuid.UUID) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.post(
            "/api/v1/auth/login",
            json={"organisation": slug, "email": "affiliate@bench.example", "password": PASSWORD},
        )
        token = r.json()["access_token"]
    topic = f"tenant:{tenant_id}"

    async def hello(ws: websockets.ClientConnection) -> None:
        await ws.send(json.dumps({"op": "auth", "token": token}))
        assert json.loads(await ws.recv())["op"] == "authenticated"
        await ws.send(json.dumps({"op": "join", "topic": topic}))
        assert json.loads(await ws.recv())["op"] == "joined"

    port = int(base.rsplit(":", 1)[1])
    pid = await _server_pid(port)
    before = _rss_kib(pid)
    clients = Clients()
    await clients.open(base.replace("http", "ws") + "/api/v1/socket", SOCKETS, hello)
    await asyncio.sleep(1)
    per_socket_kib = (_rss_kib(pid) - before) / SOCKETS
    writer = await asyncpg.connect(app_dsn)
    try:
        await writer.execute("SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id))
        topics = json.dumps([topic])
        # throughput: EVENTS events in one statement, each to every socket (after a burst
        # that warms up the path, the median of ROUNDS)
        rates = []
        for _ in range(ROUNDS + 1):
            clients.reset()
            started = time.perf_counter()
            await writer.execute(INSERT, tenant_id, topics, list(range(EVENTS)))
            done = await clients.until(EVENTS * SOCKETS)
            rates.append(EVENTS * SOCKETS / (done - started))
        rate = statistics.median(rates[1:])
        # latency from commit at half the rate (events/s = rate / sockets / 2)
        clients.reset()
        gap = 2 * SOCKETS / rate
        committed: dict[int, float] = {}
        for n in range(LATENCY_EVENTS):
            await writer.execute(INSERT, tenant_id, topics, [n])
            committed[n] = time.perf_counter()
            await asyncio.sleep(max(0.0, gap - (time.perf_counter() - committed[n])))
        await clients.until(LATENCY_EVENTS * SOCKETS)
        waits = [(t - committed[n]) * 1000 for n, times in clients.arrivals.items() for t in times]
    finally:
        await writer.close()
        await clients.close()
    return {
        "rate": rate,
        "p50": statistics.median(waits),
        "p99": statistics.quantiles(waits, n=100)[98],
        "kib": per_socket_kib,
        "latency_rate": rate / 2,
    }


async def _bare(base: str) -> float:
    async def hello(ws: websockets.ClientConnection) -> None:
        await ws.send("hello")
        assert await ws.recv() == "ready"

    clients = Clients()
    await clients.open(base.replace("http", "ws") + "/socket", SOCKETS, hello)
    try:
        rates = []
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            for _ in range(ROUNDS + 1):
                clients.reset()
                started = time.perf_counter()
                r = await http.post("/broadcast", params={"events": EVENTS})
                assert r.status_code == 200, r.text
                done = await clients.until(EVENTS * SOCKETS)
                rates.append(EVENTS * SOCKETS / (done - started))
    finally:
        await clients.close()
    return statistics.median(rates[1:])


async def _dispatch(app_dsn: str, tenant_id: uuid.UUID) -> tuple[float, float]:
    """Events/s through a dispatcher (LISTEN, read back, serialise, hand to a subscription)
    and raw NOTIFY/LISTEN of the same count, in batches of 100 a statement."""
    dispatcher = Dispatcher(app_dsn)
    await dispatcher.start()
    subscription = dispatcher.subscribe([f"tenant:{tenant_id}"], limit=DISPATCH_EVENTS + 1)
    writer = await asyncpg.connect(app_dsn)
    try:
        await writer.execute("SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id))
        topics = json.dumps([f"tenant:{tenant_id}"])
        started = time.perf_counter()
        for first in range(0, DISPATCH_EVENTS, 100):
            await writer.execute(INSERT, tenant_id, topics, list(range(first, first + 100)))
        for _ in range(DISPATCH_EVENTS):
            await subscription.next()
        ours = DISPATCH_EVENTS / (time.perf_counter() - started)
        got = 0
        all_in = asyncio.Event()

        def heard(*_args: object) -> None:
            nonlocal got
            got += 1
            if got == DISPATCH_EVENTS:
                all_in.set()

        listener = await asyncpg.connect(app_dsn)
        await listener.add_listener("bench_raw", heard)
        started = time.perf_counter()
        for first in range(0, DISPATCH_EVENTS, 100):
            await writer.execute(
                "SELECT pg_notify('bench_raw', n::text) FROM generate_series($1::int, $2::int) n",
                first,
                first + 99,
            )
        await all_in.wait()
        raw = DISPATCH_EVENTS / (time.perf_counter() - started)
        await listener.close()
    finally:
        subscription.close()
        await writer.close()
        await dispatcher.close()
    return ours, raw


async def _seed(settings: Settings) -> tuple[uuid.UUID, str]:
    urls = provision.migrate(settings)
    db = Database(urls.app, pool_size=2)
    try:
        program = await seed_program(db)
    finally:
        await db.dispose()
    owner = await asyncpg.connect(libpq(urls.owner))
    try:
        slug = await owner.fetchval("SELECT slug FROM tenants WHERE id = $1", program.tenant_id)
    finally:
        await owner.close()
    return program.tenant_id, str(slug)


def run() -> str:
    with bench_dir("fanout") as tmp:
        env = {
            **bench_env(tmp),
            "BITNEXUS_MAX_CONCURRENCY": str(SOCKETS + 100),
            "BITNEXUS_SOCKET_MAX_PER_USER": str(SOCKETS),
            "BITNEXUS_SOCKET_MAX_PER_TENANT": str(SOCKETS),
            "BITNEXUS_SOCKET_QUEUE": str(EVENTS * 2),
        }
        os.environ.update(env)
        settings = Settings()
        tenant_id, slug = asyncio.run(_seed(settings))
        app_dsn = libpq(provision.database_urls(settings).app)
        with bitnexus_server(env) as base:
            ours = asyncio.run(_ours(base, slug, app_dsn, tenant_id))
        port = _free_port()
        bare = start([str(Path(sys.executable).parent / "uvicorn"), "--app-dir", str(BARE_APP.parent), "bare_broadcast:app",
                      "--port", str(port), "--log-level", "warning", "--ws-max-size", "65536",
                      "--ws-per-message-deflate", "false",
                      "--limit-concurrency", str(SOCKETS + 100)], env)  # fmt: skip
        try:
            wait_ready(f"http://127.0.0.1:{port}/ready", bare)
            bare_rate = asyncio.run(_bare(f"http://127.0.0.1:{port}"))
        finally:
            bare.terminate()
            bare.wait(timeout=30)
        dispatched, raw = asyncio.run(_dispatch(app_dsn, tenant_id))
    ratio = ours["rate"] / bare_rate
    meets = ratio >= 0.7 and ours["p99"] <= 100
    return (
        "## Real-time fan-out — outbox to WebSocket clients\n\n"
        f"{SOCKETS:,} WebSocket clients in one process (the benchmark's), each authenticated "
        "and joined to the organisation's topic on one server process; "
        f"{EVENTS} events written to the outbox in one statement, each delivered to every "
        f"client (the median of {ROUNDS} such bursts after one that warms up). Baseline: a "
        "bare Starlette WebSocket endpoint under uvicorn (the same server settings: no "
        "per-message compression) sending the same count of pre-serialised frames, shaped as "
        "the outbox's events, to the same number of clients, in the same run. "
        f"Latency: {LATENCY_EVENTS} events one at a time at half the measured rate, from the "
        "writer's COMMIT to each client's receipt (one clock). Memory: the server's RSS "
        "growth with the clients connected and idle.\n\n"
        "| measure | ours | baseline | ratio / target |\n|---|---:|---:|---|\n"
        f"| deliveries/s | {ours['rate']:,.0f} | {bare_rate:,.0f} | {ratio:.2f}x (≥ 0.7x) |\n"
        f"| latency p50 / p99 at {ours['latency_rate'] / SOCKETS:,.0f} events/s | "
        f"{ours['p50']:.1f} / {ours['p99']:.1f} ms | — | p99 ≤ 100 ms |\n"
        f"| memory per idle connection | {ours['kib']:.0f} KiB | — | — |\n"
        f"| outbox dispatch events/s (batches of 100) | {dispatched:,.0f} | "
        f"{raw:,.0f} (raw NOTIFY) | {dispatched / raw:.2f}x |\n\n"
        f"{'Meets' if meets else 'Misses'} the targets.\n"
    )
