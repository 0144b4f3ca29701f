"""Ledger benchmarks, each against a baseline measured in the same run.

- append: balanced two-posting transactions with idempotency keys through the service, vs raw
  asyncpg INSERTs of the same rows (target >= 0.5x);
- tree integration: leaves/s into a Merkle tree vs hashlib SHA-256 of the same data;
- proofs at 1,000,000 leaves: inclusion and consistency latency p50/p95 from stored nodes
  (target p95 <= 10 ms);
- `ledger verify` at 1,000,000 leaves (bench/ledger_verify.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid

import asyncpg

from bench import ledger_verify, loading
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import libpq
from bitnexus.ledger import merkle, service, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from bitnexus.tenants import service as tenants

APPENDS = int(os.environ.get("BENCH_APPENDS", "2000"))
WORKERS = 8
LEAVES = int(os.environ.get("BENCH_LEAVES", "1000000"))


async def _new_tenant(db: Database) -> uuid.UUID:
    async with db.sessionmaker() as s, s.begin():
        t = await tenants.create(s, name="Bench Ledger", slug=f"bl-{uuid.uuid4().hex[:10]}")
        await service.open_account(
            s, t.id, code="vendor:1:receivable", kind=AccountKind.asset, currency="USD"
        )
        await service.open_account(
            s, t.id, code="affiliate:1:pending", kind=AccountKind.liability, currency="USD"
        )
        return t.id


async def _append_service(db: Database, tid: uuid.UUID) -> float:
    async def worker(w: int) -> None:
        for i in range(w, APPENDS, WORKERS):
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)
                await service.post_transaction(
                    s,
                    tid,
                    idempotency_key=f"order-{i}",
                    postings=[
                        P("vendor:1:receivable", 1000, "USD"),
                        P("affiliate:1:pending", -1000, "USD"),
                    ],
                )

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    return APPENDS / (time.perf_counter() - started)


async def _unit_of_work(db: Database, tid: uuid.UUID) -> float:
    """The floor under any append: a session's transaction scoped to the tenant, nothing in it."""

    async def worker(w: int) -> None:
        for _ in range(w, APPENDS, WORKERS):
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    return APPENDS / (time.perf_counter() - started)


async def _integrate_all(db: Database, tid: uuid.UUID) -> float:
    """The integrator's rate on what the appends left: sequence numbers, leaves, balances, tree."""
    started = time.perf_counter()
    size = 0
    while size < APPENDS:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            size = await tree.integrate(s, tid, batch=1000)
    return APPENDS / (time.perf_counter() - started)


async def _append_raw(dsn: str, tid: uuid.UUID, account_ids: list[uuid.UUID]) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=WORKERS, max_size=WORKERS)
    payload = b'{"bench":true}'

    async def worker(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(w, APPENDS, WORKERS):
                async with conn.transaction():
                    tx = uuid.uuid4()
                    await conn.execute(
                        "INSERT INTO ledger_transactions (id, tenant_id, seq, idempotency_key, request_digest, leaf, created_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6, now())",
                        tx,
                        tid,
                        10_000_000 + i,
                        f"raw-{i}",
                        payload,
                        payload,
                    )
                    await conn.executemany(
                        "INSERT INTO ledger_postings (tenant_id, transaction_id, position, account_id, amount, currency) "
                        "VALUES ($1, $2, $3, $4, $5, 'USD')",
                        [(tid, tx, 0, account_ids[0], 1000), (tid, tx, 1, account_ids[1], -1000)],
                    )

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    rate = APPENDS / (time.perf_counter() - started)
    await pool.close()
    return rate


def _integration_rates(n: int = 200_000) -> tuple[float, float]:
    data = [os.urandom(180) for _ in range(n)]
    started = time.perf_counter()
    for d in data:
        hashlib.sha256(d).digest()
    hashing = n / (time.perf_counter() - started)
    t = merkle.MemoryTree()
    started = time.perf_counter()
    for d in data:
        t.append(d)
    return n / (time.perf_counter() - started), hashing


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def _proofs(
    db: Database, owner_dsn: str, tid: uuid.UUID
) -> tuple[list[float], list[float], float]:
    """Store the nodes of a 1,000,000-leaf tree for a tenant, then time proofs from them."""
    t = merkle.MemoryTree()
    for i in range(LEAVES):
        t.append_hash(hashlib.sha256(i.to_bytes(8, "big")).digest())
    conn = await asyncpg.connect(owner_dsn)
    started = time.perf_counter()
    await loading.store_nodes(conn, tid, t)
    load_s = time.perf_counter() - started
    await conn.close()
    inclusion: list[float] = []
    consistency: list[float] = []
    rng = random.Random(7)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        for _ in range(1000):
            i = rng.randrange(LEAVES)
            started = time.perf_counter()
            proof = await tree.inclusion_proof(s, i, LEAVES)
            inclusion.append((time.perf_counter() - started) * 1000)
            assert proof == t.inclusion_proof(i) if _ < 5 else True
            m = rng.randrange(1, LEAVES)
            started = time.perf_counter()
            await tree.consistency_proof(s, m, LEAVES)
            consistency.append((time.perf_counter() - started) * 1000)
    return inclusion, consistency, load_s


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bitnexus-bench-ledger-") as tmp:
        os.environ.update(
            {
                "BITNEXUS_DATA_DIR": tmp,
                "BITNEXUS_LOG_LEVEL": "WARNING",
                "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
            }
        )
        settings = Settings()
        urls = provision.migrate(settings)

        async def main() -> tuple[float, float, float, float, list[float], list[float], float]:
            db = Database(urls.app, pool_size=WORKERS)
            try:
                tid = await _new_tenant(db)
                service_rate = await _append_service(db, tid)
                integrate_rate = await _integrate_all(db, tid)
                floor_rate = await _unit_of_work(db, tid)
                raw_tid = await _new_tenant(db)
                conn = await asyncpg.connect(libpq(urls.owner))
                ids = [
                    r["id"]
                    for r in await conn.fetch(
                        "SELECT id FROM ledger_accounts WHERE tenant_id = $1 ORDER BY code DESC",
                        raw_tid,
                    )
                ]
                await conn.close()
                raw_rate = await _append_raw(libpq(urls.owner), raw_tid, ids)
                proof_tid = await _new_tenant(db)
                inc, con, load_s = await _proofs(db, libpq(urls.owner), proof_tid)
                return service_rate, integrate_rate, floor_rate, raw_rate, inc, con, load_s
            finally:
                await db.dispose()

        service_rate, integrate_rate, floor_rate, raw_rate, inc, con, load_s = asyncio.run(main())
        verify_section = ledger_verify.run(settings, urls)
    tree_rate, hash_rate = _integration_rates()
    append_ratio = service_rate / raw_rate
    return (
        "## Ledger\n\n"
        f"Appends: {APPENDS} balanced two-posting transactions with idempotency keys, {WORKERS} concurrent clients, one tenant.\n\n"
        "| measure | value | baseline (same run) | ratio | target |\n|---|---:|---:|---:|---|\n"
        f"| append (service) vs raw asyncpg INSERTs of the same rows, tx/s | {service_rate:,.0f} | {raw_rate:,.0f} | "
        f"{append_ratio:.2f}x | ≥ 0.5x: {'meets' if append_ratio >= 0.5 else 'misses'} |\n"
        f"| floor: the unit of work alone (session, BEGIN, set_config, COMMIT) vs raw, tx/s | {floor_rate:,.0f} | "
        f"{raw_rate:,.0f} | {floor_rate / raw_rate:.2f}x | — |\n"
        f"| integrator (sequence numbers, leaves, balances, tree) on those appends vs the append rate, tx/s | "
        f"{integrate_rate:,.0f} | {service_rate:,.0f} | {integrate_rate / service_rate:.2f}x | ≥ 1x (keeps up): "
        f"{'meets' if integrate_rate >= service_rate else 'misses'} |\n"
        f"| tree integration (MemoryTree.append) vs hashlib SHA-256, leaves/s | {tree_rate:,.0f} | {hash_rate:,.0f} | "
        f"{tree_rate / hash_rate:.2f}x | — |\n"
        f"| inclusion proof at {LEAVES:,} leaves, p50 / p95 ms | {_pct(inc, 50):.2f} / {_pct(inc, 95):.2f} | — | — | "
        f"p95 ≤ 10 ms: {'meets' if _pct(inc, 95) <= 10 else 'misses'} |\n"
        f"| consistency proof at {LEAVES:,} leaves, p50 / p95 ms | {_pct(con, 50):.2f} / {_pct(con, 95):.2f} | — | — | "
        f"p95 ≤ 10 ms: {'meets' if _pct(con, 95) <= 10 else 'misses'} |\n\n"
        f"Loading the {LEAVES:,}-leaf tree's {2 * LEAVES - 1:,}-ish stored nodes took {load_s:.1f} s. "
        "An append is one statement (account codes resolved, idempotency key claimed, transaction and "
        "postings inserted) plus the tenant's `set_config`, and takes no tenant-wide lock (the earlier "
        "design, serialised on a per-tenant sequencer row, ran 102 tx/s, 0.04x). The client process is "
        "CPU-bound (two cores shared with PostgreSQL). Of each append's cost, the unit of work alone "
        f"(session, BEGIN, set_config, COMMIT: the floor row) is {service_rate / floor_rate:.0%}; the rest is the append "
        "statement through SQLAlchemy (twelve parameters with arrays and JSONB, result rows) and the ORM "
        "objects it returns, about 0.6 ms of CPU measured in-process. Levers: run the append as an "
        "asyncpg prepared statement and return plain values; group commit for standalone appends (one "
        "unit of work for many), e.g. conversion ingestion. Sequence numbers, leaves and rolled-up "
        "balances are the integrator's work, measured on the same appends: it runs at "
        f"{integrate_rate / service_rate:.1f}x the append rate.\n\n" + verify_section
    )
