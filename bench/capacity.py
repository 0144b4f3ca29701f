"""The figures docs/capacity.md extrapolates from: redirects/s and sales/s per worker process,
dashboard latency at 1,000,000 clicks, and the bytes each click, sale, share and ledger row
takes on disk (`pg_total_relation_size`: heap, indexes and TOAST).

`python -m bench.capacity` prints a report and writes nothing (bench/RESULTS.md belongs to
`python -m bench`). `BENCH_CAPACITY_PARTS` picks parts (default `redirect,sales,dashboards`);
`BENCH_DASHBOARD_CLICKS` sets the clicks loaded for the dashboards (default 1,000,000, loaded
in one bulk INSERT ... SELECT FROM generate_series).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg

from bench import conversions, dashboards, redirect
from bench.data import bench_dir
from bench.me_endpoint import WrkResult, wrk
from bench.server import bench_env, bitnexus_server
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import libpq
from bitnexus.ledger import jobs as ledger_jobs

SALES_ROUNDS = 3
# the tables a click, a sale and its ledger transaction write to; rows as the tables count them
TABLES = (
    "clicks",
    "click_rollups",
    "click_hours",
    "conversions",
    "commissions",
    "ledger_transactions",
    "ledger_postings",
    "ledger_tree_nodes",
)


async def _sizes(dsn: str, *, full: bool = False) -> list[tuple[str, int, int]]:
    """(table, rows, total bytes) of each of `TABLES`, after a VACUUM ANALYZE (`full`: VACUUM
    FULL, leaving out the row versions an update left behind, which a steady state reuses)."""
    conn = await asyncpg.connect(dsn)
    try:
        out = []
        for table in TABLES:
            await conn.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE {table}")
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
            size = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            out.append((table, int(rows), int(size)))
        return out
    finally:
        await conn.close()


def _size_table(sizes: list[tuple[str, int, int]]) -> str:
    rows = "".join(
        f"| {t} | {n:,} | {b / 1024 / 1024:,.1f} | {(b / n if n else 0):,.0f} |\n"
        for t, n, b in sizes
    )
    return "| table | rows | MiB (total) | bytes/row |\n|---|---:|---:|---:|\n" + rows


async def _seal(settings: Settings) -> None:
    """Seal every tenant's new transactions, as the server's sealer does (the tree's nodes)."""
    db = Database(provision.database_urls(settings).app, pool_size=1)
    try:
        every = settings.model_copy(update={"ledger_seal_seconds": 0})
        for _ in range(100):  # a pass integrates a batch of leaves
            if not await ledger_jobs.seal_due(db, every):
                break
    finally:
        await db.dispose()


def sales() -> str:
    """Sales/s through `POST /api/v1/conversions`, one process, and the bytes a sale writes."""
    with bench_dir("capacity-sales") as tmp:
        env = bench_env(tmp)
        os.environ.update(env)
        settings = Settings()
        seeded = asyncio.run(conversions._seed(settings))
        owner = libpq(provision.database_urls(settings).owner)
        runs: list[WrkResult] = []
        with bitnexus_server(env) as base:
            url = f"{base}/api/v1/conversions"
            wrk(url, script=conversions._script(Path(tmp), "warm", seeded))
            for k in range(SALES_ROUNDS):
                runs.append(wrk(url, script=conversions._script(Path(tmp), f"run{k}", seeded)))
        asyncio.run(_seal(settings))
        sizes = asyncio.run(_sizes(owner, full=True))
    best = sorted(runs, key=lambda r: r.rps)[len(runs) // 2]
    return (
        "## Sales — POST /api/v1/conversions, one worker process\n\n"
        f"wrk, 2 threads, 32 connections, 10 s, {SALES_ROUNDS} rounds (median shown): "
        f"{best.rps:,.0f} sales/s, p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, "
        f"{best.non_2xx} non-2xx (rounds: {', '.join(f'{r.rps:,.0f}' for r in runs)}).\n\n"
        "Rows written (every sale: a conversion, three shares, one ledger transaction with four "
        "postings; then sealed, as the sealer does, and compacted with VACUUM FULL: the "
        "integration updates each transaction once, and a steady state reuses that space):\n\n"
        + _size_table(sizes)
    )


def at_scale() -> str:
    """Dashboard latency and bytes per click at `dashboards.CLICKS` clicks."""
    with bench_dir("capacity-dashboards") as tmp:
        env = bench_env(tmp)
        os.environ.update(env)
        settings = Settings()
        program, load_s, rollup_s = asyncio.run(dashboards._seed(settings))
        owner = libpq(provision.database_urls(settings).owner)
        slug = asyncio.run(dashboards._slug(owner, program.tenant_id))
        with bitnexus_server(env) as base:
            measured = asyncio.run(dashboards._measure(base, slug))
        floor = asyncio.run(dashboards._floor(owner, program.tenant_id))
        sizes = asyncio.run(_sizes(owner))
    return (
        dashboards._report(measured, floor, load_s, rollup_s)
        + "\nRows and sizes after the load and the rollup:\n\n"
        + _size_table(sizes)
    )


PARTS = {"redirect": redirect.run, "sales": sales, "dashboards": at_scale}


def main() -> None:
    chosen = os.environ.get("BENCH_CAPACITY_PARTS", ",".join(PARTS)).split(",")
    for name in chosen:
        print(PARTS[name](), flush=True)


if __name__ == "__main__":
    main()
