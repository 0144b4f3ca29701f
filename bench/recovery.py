"""Recovery: the RPO and RTO of losing the disk, for 1,000,000 clicks and 50,000 sales, with WAL
archiving running at its defaults (a segment at least every 60 s). Goals: RPO <= 60 s, RTO <=
15 min.

A writer commits a row every 50 ms, each stamped with its commit time. Just before the archiver
would finish the next segment on its own (55 s after the last one was finished, close to the
worst case), the server is killed with SIGKILL and its data directory deleted: the disk died
without a warning. RPO = the last committed write's time - the newest write `bitnexus restore --latest`
brings back. RTO = from the start of `bitnexus restore` (copy, replay, ledger verification) to
the first answer of `bitnexus serve` on the restored directory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import psycopg

from bench.dashboards import CLICKS, CONVERSIONS, _seed
from bench.data import bench_dir
from bench.server import bench_env, bitnexus_server
from bitnexus.core import embedded_postgres, provision
from bitnexus.core.config import Settings
from bitnexus.core.dburl import libpq

BITNEXUS = str(Path(sys.executable).parent / "bitnexus")
WRITE_EVERY = 0.05
# seconds after the last archived segment: near the 60 s worst case
KILL_AFTER_SWITCH = float(os.environ.get("BENCH_RECOVERY_KILL_AFTER", "55"))


def _cli(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([BITNEXUS, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bitnexus {' '.join(args)} failed: {done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stderr


def _writer(url: str, stop: threading.Event, last: list[dt.datetime]) -> None:
    """Commit a row every WRITE_EVERY seconds; note each commit's time once it returned."""
    with psycopg.connect(url, autocommit=True) as conn:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                conn.execute("INSERT INTO rpo_probe VALUES (%s, clock_timestamp())", (n,))
            except psycopg.OperationalError:
                return  # the server died
            last.append(dt.datetime.now(dt.UTC))
            time.sleep(WRITE_EVERY)


def _archive_now(settings: Settings, url: str) -> float:
    """Finish the segment being written, wait until it is archived; when (monotonic)."""
    with psycopg.connect(url, autocommit=True) as conn:
        # a write first: a switch with nothing written since the last one finishes nothing
        conn.execute("INSERT INTO rpo_probe VALUES (0, clock_timestamp())")
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]  # type: ignore[index]
    switched = time.monotonic()
    archived = settings.backup_dir / "wal" / f"{segment}.gz"
    while not archived.exists():
        time.sleep(0.1)
    return switched


def _die(settings: Settings) -> None:
    """The disk dies: every server process ends at once and the data directory is gone."""
    pgdata = settings.data_dir / "pg"
    pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    for _ in range(200):  # the postmaster's children notice it died and end too
        if not any(p.info["ppid"] == pid for p in psutil.process_iter(["ppid"])):
            break
        time.sleep(0.05)
    shutil.rmtree(settings.data_dir)


def run() -> str:
    with bench_dir("recovery") as tmp:
        backups = str(Path(tmp).parent / f"{Path(tmp).name}-backups")
        env = bench_env(tmp) | {"BITNEXUS_BACKUP_DIR": backups}
        os.environ.update(env)
        settings = Settings()
        try:
            return _run(settings, env, Path(tmp))
        finally:
            embedded_postgres.release()
            shutil.rmtree(backups, ignore_errors=True)
            shutil.rmtree(f"{tmp}-restored", ignore_errors=True)


def _run(settings: Settings, env: dict[str, str], tmp: Path) -> str:
    started = time.perf_counter()
    asyncio.run(_seed(settings))
    seeded = time.perf_counter() - started
    urls = provision.database_urls(settings)
    assert urls.superuser is not None
    url = libpq(urls.superuser.set(database="bitnexus"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE rpo_probe (n bigint PRIMARY KEY, at timestamptz NOT NULL)")
        size = conn.execute("SELECT pg_database_size('bitnexus')").fetchone()[0]  # type: ignore[index]
    backup_s, _ = _cli(env, "backup")

    switched = _archive_now(settings, url)  # the archive is current; its timeout starts anew
    stop, commits = threading.Event(), list[dt.datetime]()
    writer = threading.Thread(target=_writer, args=(url, stop, commits))
    writer.start()
    time.sleep(max(0.0, switched + KILL_AFTER_SWITCH - time.monotonic()))
    with psycopg.connect(url) as conn:  # how old the archive's newest segment is at the end
        row = conn.execute("SELECT now() - last_archived_time FROM pg_stat_archiver").fetchone()
    archive_age = row[0].total_seconds() if row and row[0] else float("nan")
    stop.set()
    writer.join()
    if not commits:
        raise RuntimeError("the writer committed nothing")
    last_commit = commits[-1]
    _die(settings)
    embedded_postgres.release()

    restored = Path(f"{tmp}-restored")
    env_restored = env | {"BITNEXUS_DATA_DIR": str(restored), "BITNEXUS_WAL_ARCHIVE": "false"}
    t0 = time.perf_counter()
    restore_s, said = _cli(env, "restore", "--latest", "--data-dir", str(restored))
    with bitnexus_server(env_restored) as base:
        httpx.get(f"{base}/readyz", timeout=30).raise_for_status()
        rto = time.perf_counter() - t0
    restored_settings = settings.model_copy(update={"data_dir": restored, "wal_archive": False})
    urls = provision.database_urls(restored_settings)
    assert urls.superuser is not None
    with psycopg.connect(libpq(urls.superuser.set(database="bitnexus"))) as conn:
        newest, kept = conn.execute(
            "SELECT max(at), count(*) FILTER (WHERE n > 0) FROM rpo_probe"
        ).fetchone()  # type: ignore[misc]
        clicks = conn.execute("SELECT count(*) FROM clicks").fetchone()[0]  # type: ignore[index]
        sales = conn.execute("SELECT count(*) FROM conversions").fetchone()[0]  # type: ignore[index]
    embedded_postgres.stop(restored)
    rpo = (last_commit - newest).total_seconds() if newest else float("inf")
    replay = next((ln for ln in said.splitlines() if ln.startswith("recovered")), "")
    return _report(
        seeded, size, backup_s, rpo, archive_age, len(commits), kept, restore_s, rto, clicks,
        sales, replay,
    )  # fmt: skip


def _report(
    seeded: float, size: int, backup_s: float, rpo: float, archive_age: float, written: int,
    kept: int,
    restore_s: float, rto: float, clicks: int, sales: int, replay: str,
) -> str:  # fmt: skip
    rpo_ok = "meets" if rpo <= 60 else "misses"
    rto_ok = "meets" if rto <= 15 * 60 else "misses"
    return f"""## Recovery (RPO and RTO)

{CLICKS:,} clicks and {CONVERSIONS:,} sales bulk-loaded ({seeded:.0f} s, database {size / 1e6:,.0f} MB), one base backup by `bitnexus backup` ({backup_s:.1f} s, verified), WAL archiving at its defaults (`archive_timeout` 60 s). A writer committed a row every {WRITE_EVERY * 1000:.0f} ms; {KILL_AFTER_SWITCH:.0f} s after a segment switch we forced (near the worst moment: the timeout finishes a segment 60 s after the last switch; segments filled by other writes, here autovacuum after the bulk load, finish sooner) the server was killed with SIGKILL and its data directory deleted. Then `bitnexus restore --latest` into a new directory and `bitnexus serve` on it.

| measure | value | goal |
|---|---:|---|
| RPO: last committed write - newest restored write | {rpo:.1f} s | <= 60 s: {rpo_ok} |
| the newest archived segment's age when the disk died | {archive_age:.1f} s | |
| writes committed / brought back | {written:,} / {kept:,} | |
| `bitnexus restore` (copy, replay, ledger verification) | {restore_s:.1f} s | |
| RTO: restore + verification + first answered request | {rto:.1f} s | <= 15 min: {rto_ok} |
| restored clicks / sales | {clicks:,} / {sales:,} | {CLICKS:,} / {CONVERSIONS:,} |

The loss is bounded by `archive_timeout` (a busy server fills a 16 MB segment sooner and loses less): what the dead disk held beyond the last archived segment is gone. {replay.capitalize()}.
"""
