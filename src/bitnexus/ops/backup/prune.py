"""Retention: base backups older than the retention go (never the newest), then the archived
WAL segments no kept base backup needs."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from bitnexus.core import embedded_postgres
from bitnexus.ops.backup.layout import base_backups, base_dir, wal_dir
from bitnexus.ops.backup.take import run

# a backup interrupted this long ago is not still being written
STALE_PARTIAL = dt.timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    backups: list[str]
    segments: int


def _segments(wal: Path) -> set[str]:
    return {p.name for p in wal.iterdir()} if wal.is_dir() else set()


def prune(backups: Path, retention_days: float, now: dt.datetime | None = None) -> Pruned:
    """Remove what the retention no longer keeps under `backups`."""
    now = now or dt.datetime.now(dt.UTC)
    found = base_backups(backups)
    if not found:
        return Pruned([], 0)
    cutoff = now - dt.timedelta(days=retention_days)
    removed = [b for b in found[:-1] if b.record.finished < cutoff]
    for backup in removed:
        shutil.rmtree(backup.path)
    for partial in base_dir(backups).glob(".partial-*"):
        age = now - dt.datetime.fromtimestamp(partial.stat().st_mtime, dt.UTC)
        if age > STALE_PARTIAL:
            shutil.rmtree(partial, ignore_errors=True)
    oldest = found[len(removed)]
    wal = wal_dir(backups)
    before = _segments(wal)
    if before:
        cleanup = embedded_postgres.binary("pg_archivecleanup")
        run([cleanup, "-x", ".gz", wal, oldest.record.start_wal_file], "pg_archivecleanup")
    return Pruned([b.path.name for b in removed], len(before - _segments(wal)))
