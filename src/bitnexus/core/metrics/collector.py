"""Gauges read when a scrape comes, once, by the process that answers it: what the database
holds (through `bitnexus_ops_metrics()`, migration 0038), the WAL archiver, the newest verified
backup, free disk space, the click quarantine. A database that does not answer within
`TIMEOUT_SECONDS` makes `bitnexus_database_up 0`, never a hanging scrape."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bitnexus.core.provision import VERSION_QUERY, migration_state

log = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 3.0
MANIFEST = "bitnexus-backup.json"  # written last into `<backup_dir>/base/<stamp>/` (docs/backup.md)

# what `bitnexus_ops_metrics()` returns, by metric: its type, help and label (if any)
DATABASE_FAMILIES: dict[str, tuple[str, str, str | None]] = {
    "bitnexus_ledger_unsealed_transactions": (
        "gauge",
        "Ledger transactions not yet in a signed block, per organisation.",
        "tenant_id",
    ),
    "bitnexus_ledger_oldest_unsealed_seconds": (
        "gauge",
        "Age of the organisation's oldest transaction not yet in a signed block (0: none).",
        "tenant_id",
    ),
    "bitnexus_ledger_seconds_since_last_block": (
        "gauge",
        "Seconds since the organisation's newest signed block.",
        "tenant_id",
    ),
    "bitnexus_ledger_alarms": (
        "counter",
        "Alarms raised about the organisation's log by its mirrors (a fork, a rewrite, a bad"
        " entry), its witnesses (a refused checkpoint) or its sealer (a deleted tail, a leaf or"
        " node that does not match).",
        "tenant_id",
    ),
    "bitnexus_ledger_last_alarm_timestamp_seconds": (
        "gauge",
        "When the last alarm about the organisation's log was raised (Unix time).",
        "tenant_id",
    ),
    "bitnexus_outbox_backlog_events": (
        "gauge",
        "Domain events a durable consumer has not handled yet (counted up to 100,000).",
        "consumer",
    ),
    "bitnexus_outbox_consumer_lag_seconds": (
        "gauge",
        "Age of the oldest event a durable consumer has not handled yet (0: none).",
        "consumer",
    ),
    "bitnexus_webhook_deliveries_pending": (
        "gauge",
        "Webhook deliveries not yet delivered or given up.",
        None,
    ),
    "bitnexus_webhook_deliveries_due": (
        "gauge",
        "Pending webhook deliveries whose next attempt is due now.",
        None,
    ),
    "bitnexus_webhook_oldest_due_seconds": (
        "gauge",
        "How long the longest-waiting due webhook delivery has been due (0: none).",
        None,
    ),
    "bitnexus_wal_archiving_enabled": (
        "gauge",
        "1 when PostgreSQL archives its WAL (archive_mode is on).",
        None,
    ),
    "bitnexus_wal_archived": ("counter", "WAL segments archived (pg_stat_archiver).", None),
    "bitnexus_wal_archive_failures": (
        "counter",
        "Failed attempts to archive a WAL segment (pg_stat_archiver).",
        None,
    ),
    "bitnexus_wal_last_archived_timestamp_seconds": (
        "gauge",
        "When a WAL segment was last archived (Unix time; 0: never).",
        None,
    ),
    "bitnexus_wal_last_failed_timestamp_seconds": (
        "gauge",
        "When archiving a WAL segment last failed (Unix time; 0: never).",
        None,
    ),
    "bitnexus_wal_written_bytes": (
        "counter",
        "WAL written by the server since it was created (its current WAL position).",
        None,
    ),
}


@dataclass(frozen=True)
class Sources:
    """Where the collector looks."""

    dsn: str  # the runtime role's libpq URL
    data_dir: Path
    backup_dir: Path
    spool_dir: Path
    quarantined: Callable[[], Awaitable[int]]  # lines in the click quarantine


async def collect(sources: Sources) -> list[Metric]:
    """Every scrape-time family (blocking reads in a thread)."""
    database = await _database(sources.dsn)
    disk = await asyncio.to_thread(_disk, sources)
    quarantine = GaugeMetricFamily(
        "bitnexus_click_quarantined_lines",
        "Clicks PostgreSQL refused for their data, kept aside in the spool's quarantine.",
    )
    quarantine.add_metric([], await sources.quarantined())
    return [*database, *disk, quarantine]


async def _database(dsn: str) -> list[Metric]:
    up = GaugeMetricFamily("bitnexus_database_up", "1 when the database answered this scrape.")
    ready = GaugeMetricFamily(
        "bitnexus_ready", "1 when the database answers at the newest migration (as /readyz)."
    )
    try:
        version, rows = await asyncio.wait_for(_query(dsn), TIMEOUT_SECONDS)
    except Exception as error:  # a dead or stuck database is a 0, never a failed scrape
        log.warning("metrics.database_unreachable", error=f"{type(error).__name__}: {error}")
        up.add_metric([], 0)
        ready.add_metric([], 0)
        return [up, ready]
    up.add_metric([], 1)
    ready.add_metric([], 1 if migration_state(version) == "ok" else 0)
    return [up, ready, *_families(rows)]


async def _query(dsn: str) -> tuple[str | None, list[asyncpg.Record]]:
    connection = await asyncpg.connect(
        dsn,
        timeout=TIMEOUT_SECONDS,
        command_timeout=TIMEOUT_SECONDS,
        server_settings={"application_name": "bitnexus-metrics"},
    )
    try:
        version = await connection.fetchval(VERSION_QUERY)
        try:
            rows = await connection.fetch("SELECT metric, label, value FROM bitnexus_ops_metrics()")
        except asyncpg.PostgresError as error:  # a schema behind the code: readiness says so
            log.warning("metrics.database_metrics_failed", error=str(error))
            rows = []
        return version, rows
    finally:
        await connection.close()


def _families(rows: list[asyncpg.Record]) -> list[Metric]:
    made: dict[str, CounterMetricFamily | GaugeMetricFamily] = {}
    for name, (kind, documentation, label) in DATABASE_FAMILIES.items():
        labels = [label] if label else []
        made[name] = (
            CounterMetricFamily(name, documentation, labels=labels)
            if kind == "counter"
            else GaugeMetricFamily(name, documentation, labels=labels)
        )
    for row in rows:
        family = made.get(row["metric"])
        if family is not None:
            values = [row["label"]] if DATABASE_FAMILIES[row["metric"]][2] else []
            family.add_metric(values, float(row["value"]))
    return list(made.values())


def _disk(sources: Sources) -> list[Metric]:
    free = GaugeMetricFamily(
        "bitnexus_filesystem_free_bytes",
        "Free bytes on the filesystem of the data directory or the backup directory.",
        labels=["volume"],
    )
    size = GaugeMetricFamily(
        "bitnexus_filesystem_size_bytes",
        "Size of the filesystem of the data directory or the backup directory.",
        labels=["volume"],
    )
    for volume, path in (("data", sources.data_dir), ("backups", sources.backup_dir)):
        usage = shutil.disk_usage(_existing(path))
        free.add_metric([volume], usage.free)
        size.add_metric([volume], usage.total)
    backup = GaugeMetricFamily(
        "bitnexus_backup_last_success_timestamp_seconds",
        "When the newest verified base backup finished (Unix time; 0: there is none).",
    )
    backup.add_metric([], newest_backup(sources.backup_dir))
    segments = GaugeMetricFamily(
        "bitnexus_click_spool_segments",
        "Click spool files on disk (each process writes one or two; more wait for PostgreSQL).",
    )
    segments.add_metric([], sum(1 for _ in sources.spool_dir.glob("*.spool")))
    return [free, size, backup, segments]


def _existing(path: Path) -> Path:
    """`path`, or its nearest existing parent (a backup directory not made yet)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def newest_backup(backup_dir: Path) -> float:
    """When the newest verified base backup under `backup_dir` finished (Unix time), 0 if none:
    each is `<backup_dir>/base/<stamp>/bitnexus-backup.json`, with `finished_at` (ISO 8601) and
    `verified: true`, written last."""
    newest = 0.0
    for manifest in backup_dir.glob(f"base/*/{MANIFEST}"):
        try:
            data = json.loads(manifest.read_text())
            finished = dt.datetime.fromisoformat(data["finished_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written, or not ours: not a verified backup
        if data.get("verified") is True:
            if finished.tzinfo is None:
                finished = finished.replace(tzinfo=dt.UTC)
            newest = max(newest, finished.timestamp())
    return newest
