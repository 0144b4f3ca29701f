"""Archiving, the archive command's safety and the retention of base backups and WAL."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from bitnexus.core import embedded_postgres, provision
from bitnexus.core.dburl import libpq
from bitnexus.ops.backup.layout import RECORD, base_backups, iso, wal_dir
from bitnexus.ops.backup.prune import prune
from bitnexus.ops.backup.take import copy_archive
from tests.ops.backup.conftest import Disaster, settings_for

WALCOPY = embedded_postgres.WALCOPY


def _walcopy(
    segment: Path, *directories: Path, as_server: bool = False
) -> subprocess.CompletedProcess[str]:
    """The archive command on `segment` (`as_server`: as the server runs it, as its system
    user with its umask)."""
    return subprocess.run(
        ["/bin/sh", str(WALCOPY), str(segment), segment.name, *map(str, directories)],
        capture_output=True,
        text=True,
        check=False,
        user=embedded_postgres.system_user() if as_server else None,
        umask=0o077 if as_server else -1,
    )


def test_the_archive_command_stores_a_segment_in_every_directory_once(tmp_path: Path) -> None:
    # given
    segment = tmp_path / "000000010000000000000007"
    segment.write_bytes(b"wal" * 1000)
    first, second = tmp_path / "archive", tmp_path / "copy"

    # when: archived, then archived again (PostgreSQL retrying after a crash)
    runs = [_walcopy(segment, first, second) for _ in range(2)]

    # then: stored gzipped, no temporary file left
    assert [r.returncode for r in runs] == [0, 0]
    for directory in (first, second):
        assert [p.name for p in directory.iterdir()] == [f"{segment.name}.gz"]
        stored = (directory / f"{segment.name}.gz").read_bytes()
        assert gzip.decompress(stored) == segment.read_bytes()


def test_the_archive_command_never_overwrites_a_different_segment(tmp_path: Path) -> None:
    # given: the archive already holds other bytes under the segment's name
    segment = tmp_path / "000000010000000000000008"
    segment.write_bytes(b"new")
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / f"{segment.name}.gz").write_bytes(gzip.compress(b"old"))

    # when
    run = _walcopy(segment, archive)

    # then: a failure PostgreSQL retries, and the archived bytes are untouched
    assert run.returncode == 1
    assert "not overwritten" in run.stderr
    assert gzip.decompress((archive / f"{segment.name}.gz").read_bytes()) == b"old"
    assert [p.name for p in archive.iterdir()] == [f"{segment.name}.gz"]


def test_the_archive_command_accepts_a_segment_a_backup_copied_there_first(
    tmp_path: Path,
) -> None:
    # given a segment archived in the first location, and a backup (run as root, the server
    # as its own user) copying it to the second before the archive command got there
    segment = tmp_path / "000000010000000000000009.00000028.backup"
    segment.write_bytes(b"START WAL LOCATION: 0/9000028\n")
    primary, second = tmp_path / "primary", tmp_path / "second"
    archives = [wal_dir(primary), wal_dir(second)]
    for directory in archives:
        directory.mkdir(parents=True)
        embedded_postgres.reachable(directory)
        embedded_postgres.give_to_server(directory)
    embedded_postgres.give_to_server(segment)
    assert _walcopy(segment, archives[0], as_server=True).returncode == 0
    copy_archive(primary, second)

    # when the server's archive command stores the segment in both
    run = _walcopy(segment, *archives, as_server=True)

    # then it finds the copy the same and succeeds
    assert run.returncode == 0, run.stderr


def test_a_new_data_directory_archives_from_its_first_start(workspace: Path) -> None:
    # given: no data directory yet
    settings = settings_for(workspace / "first-start")

    # when
    urls = provision.database_urls(settings)
    try:
        assert urls.superuser is not None
        with psycopg.connect(libpq(urls.superuser), autocommit=True) as conn:
            mode = conn.execute("SHOW archive_mode").fetchone()
            timeout = conn.execute("SHOW archive_timeout").fetchone()
            segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    finally:
        embedded_postgres.stop(settings.data_dir)

    # then
    assert mode == ("on",)
    assert timeout == ("1min",)
    assert segment is not None
    assert (wal_dir(settings.backup_dir) / f"{segment[0]}.gz").exists()


def _wal(names: set[str]) -> set[str]:
    """The WAL segments among archived file names (not history or backup labels)."""
    return {n.removesuffix(".gz") for n in names if len(n) == len("0" * 24 + ".gz")}


def _age(backups: Path, days: list[float]) -> list[str]:
    """Make the base backups (oldest first) look finished `days` ago; their names."""
    now = dt.datetime.now(dt.UTC)
    found = base_backups(backups)
    assert len(found) == len(days)
    for backup, ago in zip(found, days, strict=True):
        record = json.loads((backup.path / RECORD).read_text())
        record["finished_at"] = iso(now - dt.timedelta(days=ago))
        (backup.path / RECORD).write_text(json.dumps(record))
    return [b.path.name for b in found]


@pytest.mark.parametrize(
    ("days", "removed"),
    [
        pytest.param([40, 1], [0], id="old-one-goes"),
        pytest.param([40, 35], [0], id="newest-kept-however-old"),
        pytest.param([10, 1], [], id="all-within-retention"),
    ],
)
def test_retention_removes_old_base_backups_and_the_wal_only_they_needed(
    disaster: Disaster, tmp_path: Path, days: list[float], removed: list[int]
) -> None:
    # given: a copy of the drill's backups (two base backups and their WAL archive)
    backups = tmp_path / "backups"
    subprocess.run(["/bin/cp", "-a", str(disaster.settings.backup_dir), str(backups)], check=True)
    names = _age(backups, days)
    segments_before = {p.name for p in wal_dir(backups).iterdir()}

    # when
    pruned = prune(backups, retention_days=30)

    # then: the old base backups are gone, the newest always stays
    assert pruned.backups == [names[i] for i in removed]
    kept = base_backups(backups)
    assert [b.path.name for b in kept] == [n for i, n in enumerate(names) if i not in removed]
    # and every segment older than the oldest kept backup's first one is gone, no other
    first = kept[0].record.start_wal_file
    segments = {p.name for p in wal_dir(backups).iterdir()}
    assert _wal(segments) == {s for s in _wal(segments_before) if s[8:] >= first[8:]}
    assert pruned.segments == len(segments_before - segments)
    assert (pruned.segments > 0) == bool(removed)
