"""Take a base backup: pg_basebackup, pg_verifybackup, the data directory's keys, optional
encryption with age, then the record, last; and a copy in the second location."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

from bitnexus.core import embedded_postgres
from bitnexus.core.config import Settings
from bitnexus.ops.backup.layout import (
    ENCRYPTED,
    RECORD,
    SECRETS,
    STAMP,
    BaseBackup,
    Record,
    base_dir,
    carried_key_dir,
    iso,
    read_record,
    size_of,
    wal_dir,
    write_record,
)


class BackupFailed(RuntimeError):
    """A step of the backup failed (says which and why); nothing was recorded."""


def run(args: list[str | Path], what: str) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def _label(pgdata: Path) -> dict[str, str]:
    """The fields of the backup's `backup_label` ("START WAL LOCATION: 0/2000028 (file …)")."""
    fields = {}
    for line in (pgdata / "backup_label").read_text().splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    return fields


def _wal_range(pgdata: Path) -> tuple[str, str, int]:
    manifest = json.loads((pgdata / "backup_manifest").read_text())
    ranges = manifest["WAL-Ranges"]
    return ranges[0]["Start-LSN"], ranges[-1]["End-LSN"], int(ranges[-1]["Timeline"])


def age_recipient_args(recipient: str) -> list[str]:
    """`-r KEY` for a public key, `-R FILE` for a recipients file."""
    if recipient.startswith(("age1", "ssh-")):
        return ["-r", recipient]
    return ["-R", recipient]


def _encrypt(staging: Path, target: Path, recipient: str) -> None:
    age = shutil.which("age")
    if age is None:
        raise BackupFailed("encryption needs the `age` program (Debian package `age`)")
    with target.open("wb") as out:
        tar = subprocess.Popen(
            ["tar", "-C", str(staging), "-cf", "-", "pgdata", "secrets"], stdout=subprocess.PIPE
        )
        assert tar.stdout is not None
        enc = subprocess.run(
            [age, *age_recipient_args(recipient)],
            stdin=tar.stdout,
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
        tar.stdout.close()
        if tar.wait() != 0 or enc.returncode != 0:
            raise BackupFailed(f"encrypting with age failed: {enc.stderr.decode().strip()}")
        out.flush()
        os.fsync(out.fileno())


def _new_stamp(root: Path, started: dt.datetime) -> str:
    stamp = started.strftime(STAMP)
    n = 1
    while (root / stamp).exists() or (root / f".partial-{stamp}").exists():
        stamp, n = f"{started.strftime(STAMP)}-{n}", n + 1
    return stamp


def take(settings: Settings, superuser_url: str) -> BaseBackup:
    """Back the embedded server up into `<backup dir>/base/<UTC stamp>/` and verify it."""
    root = base_dir(settings.backup_dir)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    started = dt.datetime.now(dt.UTC)
    stamp = _new_stamp(root, started)
    recipient = settings.backup_age_recipient
    # plain data never lands in the backup directory of an encrypted backup: it is staged
    # beside the database it came from
    staging = (
        settings.data_dir / "backup-staging" / stamp if recipient else root / f".partial-{stamp}"
    )
    final = root / stamp
    staging.mkdir(parents=True, mode=0o700)
    try:
        pgdata = staging / "pgdata"
        run(
            [
                embedded_postgres.binary("pg_basebackup"),
                *("-d", superuser_url, "-D", pgdata, "-F", "plain", "-X", "stream"),
                *("--checkpoint", "fast", "--label", f"bitnexus {stamp}"),
            ],
            "pg_basebackup",
        )
        consistent = dt.datetime.now(dt.UTC)
        run([embedded_postgres.binary("pg_verifybackup"), "--quiet", pgdata], "pg_verifybackup")
        (staging / "secrets").mkdir(mode=0o700)
        for name in SECRETS:
            if (settings.data_dir / name).is_file():
                shutil.copy2(settings.data_dir / name, staging / "secrets" / name)
        keys = carried_key_dir(settings.data_dir, settings.ledger_key_dir)
        if keys is not None and (settings.data_dir / keys).is_dir():
            shutil.copytree(settings.data_dir / keys, staging / "secrets" / keys)
        label = _label(pgdata)
        start_lsn, end_lsn, timeline = _wal_range(pgdata)
        size = size_of(staging)
        version = (pgdata / "PG_VERSION").read_text().strip()
        if recipient:
            final.mkdir(mode=0o700)
            _encrypt(staging, final / ENCRYPTED, recipient)
            shutil.rmtree(staging)
        else:
            staging.rename(final)
        record = Record(
            format=1,
            stamp=stamp,
            started_at=iso(started),
            finished_at=iso(dt.datetime.now(dt.UTC)),
            consistent_at=consistent.isoformat(),
            verified=True,
            size_bytes=size,
            start_lsn=start_lsn,
            end_lsn=end_lsn,
            start_wal_file=label["START WAL LOCATION"].split("(file ")[1].rstrip(")"),
            timeline=timeline,
            encryption="age" if recipient else None,
            encrypted_to=recipient,
            server_version=version,
        )
        write_record(final, record)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if read_record(final) is None:
            shutil.rmtree(final, ignore_errors=True)
        raise
    return BaseBackup(final, record)


def _copy_file(source: Path, directory: Path, *, to_server: bool = False) -> None:
    temporary = directory / f".{source.name}.tmp"
    shutil.copy2(source, temporary)
    if to_server:
        embedded_postgres.give_to_server(temporary)
    temporary.replace(directory / source.name)


def copy_to(backup: BaseBackup, backups: Path, second: Path) -> None:
    """Copy a backup (its record last) and any archived segment missing there to `second`."""
    root = base_dir(second)
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".partial-{backup.path.name}"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(backup.path, partial, ignore=shutil.ignore_patterns(RECORD))
    partial.rename(root / backup.path.name)
    _copy_file(backup.path / RECORD, root / backup.path.name)
    copy_archive(backups, second)


def copy_archive(backups: Path, second: Path) -> None:
    """Copy each archived segment missing from `second`'s archive there."""
    there = wal_dir(second)
    there.mkdir(parents=True, exist_ok=True)
    have = {p.name for p in there.iterdir()}
    archive = wal_dir(backups)
    for segment in sorted(archive.iterdir()) if archive.is_dir() else []:
        if segment.name not in have and not segment.name.startswith("."):
            # the server's own: its archive command, about to store the same segment there,
            # must read this copy to find it already stored (unreadable, it fails for ever)
            _copy_file(segment, there, to_server=True)
