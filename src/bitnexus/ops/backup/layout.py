"""The backup directory and each base backup's record.

<backup dir>/wal/<segment>                     the WAL archive (the server's archive_command)
<backup dir>/base/<stamp>/pgdata/              a plain base backup (with backup_manifest)
<backup dir>/base/<stamp>/secrets/             the data directory's keys (ledger signing…)
<backup dir>/base/<stamp>/backup.tar.age       both of these instead, encrypted with age
<backup dir>/base/<stamp>/bitnexus-backup.json the record, written last: its presence with
                                               "verified": true means the backup is whole
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD = "bitnexus-backup.json"
ENCRYPTED = "backup.tar.age"
# the data directory's own secrets a restored database needs beside it: the ledger's signing
# key above all (checkpoints verify against it), the session secret and the app role password
SECRETS = ("ledger_key", "secret_key", "db_app_password")


def carried_key_dir(data_dir: Path, key_dir: Path) -> Path | None:
    """The ledger's signing key directory (BITNEXUS_LEDGER_KEY_DIR) relative to the data
    directory when it lies inside it: base backups carry it under `secrets/` then. One kept
    elsewhere, away from the data, is the operator's to back up (docs/backup.md)."""
    try:
        return key_dir.resolve().relative_to(data_dir.resolve())
    except ValueError:
        return None


STAMP = "%Y%m%dT%H%M%SZ"


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: how the record writes times."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Record:
    """What `bitnexus-backup.json` holds (its `finished_at` and `verified` are read by the
    metrics too: keep their names and forms)."""

    format: int
    stamp: str
    started_at: str
    finished_at: str  # when the backup was whole and verified (ISO 8601, UTC)
    consistent_at: str  # the earliest time it can be restored to (the base backup's end)
    verified: bool
    size_bytes: int
    start_lsn: str
    end_lsn: str
    start_wal_file: str  # the oldest archived segment a restore from it needs
    timeline: int
    encryption: str | None  # "age" or None
    encrypted_to: str | None  # the age recipient
    server_version: str

    @property
    def finished(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.finished_at)

    @property
    def consistent(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.consistent_at)


@dataclass(frozen=True)
class BaseBackup:
    path: Path
    record: Record


def base_dir(backups: Path) -> Path:
    return backups / "base"


def wal_dir(backups: Path) -> Path:
    return backups / "wal"


def write_record(directory: Path, record: Record) -> None:
    """Write the record durably and atomically: the last step of a backup."""
    path = directory / RECORD
    temporary = directory / f".{RECORD}.tmp"
    with temporary.open("w") as f:
        json.dump(asdict(record), f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    temporary.replace(path)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_record(directory: Path) -> Record | None:
    try:
        data = json.loads((directory / RECORD).read_text())
        return Record(**data)
    except (OSError, ValueError, TypeError):
        return None


def base_backups(backups: Path) -> list[BaseBackup]:
    """The whole, verified base backups, oldest first."""
    root = base_dir(backups)
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if path.name.startswith(".") or not path.is_dir():
            continue
        record = read_record(path)
        if record is not None and record.verified:
            found.append(BaseBackup(path, record))
    return sorted(found, key=lambda b: b.record.finished)


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
