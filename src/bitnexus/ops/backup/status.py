"""`bitnexus backup status`: the newest base backup and its age, the WAL archive and the
archiver's progress (pg_stat_archiver), the retention, counts and sizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from bitnexus.core.config import Settings
from bitnexus.ops.backup.layout import BaseBackup, base_backups, iso, size_of, wal_dir

ARCHIVER = (
    "SELECT archived_count, last_archived_wal, last_archived_time, failed_count, "
    "last_failed_wal, last_failed_time, current_setting('archive_mode'), "
    "current_setting('archive_timeout'), pg_walfile_name(pg_current_wal_lsn()) "
    "FROM pg_stat_archiver"
)


def _ago(moment: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _summary(backup: BaseBackup, size: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "stamp": backup.path.name,
        "finished_at": backup.record.finished_at,
        "age_seconds": _ago(backup.record.finished, now),
        "size_bytes": size,
        "encryption": backup.record.encryption,
    }


def collect(settings: Settings, superuser_url: str) -> dict[str, Any]:
    """Everything the status shows, as plain data (also `--json`)."""
    now = dt.datetime.now(dt.UTC)
    found = base_backups(settings.backup_dir)
    sizes = [size_of(b.path) for b in found]
    backups: dict[str, Any] = {"count": len(found), "size_bytes": sum(sizes), "newest": None}
    if found:
        backups["oldest"] = _summary(found[0], sizes[0], now)
        backups["newest"] = _summary(found[-1], sizes[-1], now)
    wal = wal_dir(settings.backup_dir)
    segments = [p for p in wal.iterdir() if not p.name.startswith(".")] if wal.is_dir() else []
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        row = conn.execute(ARCHIVER).fetchone()
    assert row is not None
    return {
        "backup_dir": str(settings.backup_dir),
        "retention_days": settings.backup_retention_days,
        "second_location": str(settings.backup_copy_to) if settings.backup_copy_to else None,
        "base_backups": backups,
        "wal_archive": {
            "segments": len(segments),
            "size_bytes": sum(p.stat().st_size for p in segments),
        },
        "archiver": {
            "archive_mode": row[6],
            "archive_timeout": row[7],
            "archived_count": row[0],
            "last_archived_wal": row[1],
            "last_archived_at": iso(row[2]) if row[2] else None,
            "last_archived_age_seconds": _ago(row[2], now),
            "failed_count": row[3],
            "last_failed_wal": row[4],
            "last_failed_at": iso(row[5]) if row[5] else None,
            "current_wal": row[8],
        },
    }


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value, unit = n / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    minutes = int(seconds // 60)
    if minutes < 2:
        return f"{seconds:.0f} s ago"
    return f"{minutes // 60} h {minutes % 60} min ago" if minutes >= 60 else f"{minutes} min ago"


def lines(status: dict[str, Any]) -> list[str]:
    """The status as lines for people."""
    b, w, a = status["base_backups"], status["wal_archive"], status["archiver"]
    out = [
        f"backup directory: {status['backup_dir']} (retention {status['retention_days']:g} days)"
    ]
    if status["second_location"]:
        out.append(f"second location: {status['second_location']}")
    if b["newest"] is None:
        out.append("newest base backup: none (run `bitnexus backup`)")
    else:
        n = b["newest"]
        encrypted = f", encrypted with {n['encryption']}" if n["encryption"] else ""
        out.append(
            f"newest base backup: {n['stamp']}, finished {n['finished_at']} "
            f"({_age(n['age_seconds'])}), {_size(n['size_bytes'])}, verified{encrypted}"
        )
        out.append(
            f"base backups: {b['count']} ({_size(b['size_bytes'])}), oldest {b['oldest']['stamp']}"
        )
    out.append(f"WAL archive: {w['segments']} segments ({_size(w['size_bytes'])})")
    mode = a["archive_mode"]
    if mode == "off":
        out.append("archiving: off (BITNEXUS_WAL_ARCHIVE): no point-in-time recovery")
    else:
        out.append(
            f"archiving: {mode}, a segment at least every {a['archive_timeout']}; "
            f"last archived {a['last_archived_wal'] or '-'} "
            f"({_age(a['last_archived_age_seconds'])}); now writing {a['current_wal']}"
        )
    if a["failed_count"]:
        out.append(
            f"archive failures: {a['failed_count']}, last {a['last_failed_wal']} at "
            f"{a['last_failed_at']} (the server retries; see its log)"
        )
    return out
