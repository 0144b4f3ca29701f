"""The recovery drill: after the data directory is destroyed, `bitnexus restore` brings back
exactly what was committed at a chosen time (from a plain or an age-encrypted base backup and
the WAL archive), the ledger verifies, and BitNexus serves the restored directory. A restore
whose ledger does not verify fails; bad requests are refused before anything is written."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import httpx
import pytest

from bitnexus.core import embedded_postgres
from bitnexus.core.config import Settings
from bitnexus.ops.backup.layout import base_backups, wal_dir
from tests.conftest import launch_server
from tests.ops.backup.conftest import Disaster, bitnexus, settings_for, snapshot, superuser


def _restored_keys(settings: Settings) -> dict[str, str]:
    """The signing key files of a restored data directory, each checked private."""
    found = sorted(settings.ledger_key_dir.glob("*.key"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in found)
    return {p.name: p.read_text() for p in found}


def _restore(disaster: Disaster, target: Path, *args: str) -> tuple[int, str]:
    done = bitnexus(disaster.settings, "restore", "--data-dir", str(target), *args)
    return done.returncode, " ".join(done.stderr.split())  # as one line: the console wraps


def test_restore_to_a_time_brings_back_exactly_what_was_committed_then(
    disaster: Disaster, workspace: Path
) -> None:
    # given: the data directory is gone; t1 was noted after the plain base backup
    restored = settings_for(workspace / "restored-t1")

    # when
    code, out = _restore(disaster, restored.data_dir, "--to-time", disaster.t1.isoformat())

    # then: the rows and block roots of t1, no more, no fewer; the ledger verifies, and the
    # organisations' signing keys (in the data directory) came back with it
    assert code == 0, out
    assert "restored and verified" in out
    assert disaster.ledger_keys
    assert _restored_keys(restored) == disaster.ledger_keys
    try:
        assert snapshot(superuser(restored)) == disaster.at_t1
    finally:
        embedded_postgres.release()
    # and BitNexus serves the restored directory
    server, url = launch_server(restored)
    try:
        assert httpx.get(f"{url}/readyz", timeout=10).json()["checks"] == {
            "database": "ok",
            "migrations": "ok",
        }
        answer = httpx.post(f"{url}/api/v1/auth/login", json=disaster.login, timeout=30)
        assert answer.status_code == 200, answer.text
    finally:
        server.terminate()
        server.wait(timeout=30)
        embedded_postgres.stop(restored.data_dir)


def test_an_encrypted_backup_restores_from_the_second_location_with_its_age_identity(
    disaster: Disaster, workspace: Path
) -> None:
    # given: t2 comes after the encrypted base backup, the only one that reaches it; the
    # backup directory is lost too, its copy in the second location is not
    restored = settings_for(workspace / "restored-t2")
    assert disaster.at_t2 != disaster.at_t1
    second = disaster.settings.backup_copy_to
    assert second is not None

    # when
    code, out = _restore(
        disaster,
        restored.data_dir,
        *("--to-time", disaster.t2.isoformat(), "--identity", str(disaster.identity)),
        *("--backup-dir", str(second)),
    )

    # then
    assert code == 0, out
    assert "restored and verified" in out
    assert _restored_keys(restored) == disaster.ledger_keys
    try:
        assert snapshot(superuser(restored)) == disaster.at_t2
    finally:
        embedded_postgres.stop(restored.data_dir)


def test_a_restored_ledger_that_does_not_verify_fails_the_restore(
    disaster: Disaster, workspace: Path
) -> None:
    # given: a ledger posting was altered after t2; the latest write follows it

    # when: everything the archive holds is restored
    target = workspace / "restored-latest"
    code, out = _restore(disaster, target, "--latest", "--identity", str(disaster.identity))

    # then: recovery itself worked, but the restore reports failure
    assert code == 1, out
    assert "recovered to the latest" in out
    assert "does not verify" in out
    assert "problem(s)" in out
    assert "restored and verified" not in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["--to-time", "yesterday noon"], "not an ISO 8601 time", id="unparseable"),
        pytest.param(
            ["--to-time", "2020-01-01T00:00:00Z"], "before the oldest base backup", id="too-early"
        ),
        pytest.param(["--to-time", "2999-01-01T00:00:00Z"], "in the future", id="future"),
        pytest.param([], "exactly one of --to-time and --latest", id="neither"),
        pytest.param(
            ["--latest", "--to-time", "2026-01-01T00:00:00Z"], "exactly one of", id="both"
        ),
        pytest.param(["--latest"], "give its identity file with --identity", id="no-identity"),
    ],
)
def test_a_bad_restore_request_is_refused_with_exit_code_2(
    disaster: Disaster, workspace: Path, args: list[str], says: str
) -> None:
    # given
    target = workspace / "refused"

    # when
    code, out = _restore(disaster, target, *args)

    # then: nothing was written
    assert code == 2, out
    assert says in out
    assert not target.exists() or not any(target.iterdir())


def test_a_restore_refuses_a_data_directory_in_use(disaster: Disaster, workspace: Path) -> None:
    # given: a directory holding something already
    target = workspace / "occupied"
    target.mkdir()
    (target / "keep.txt").write_text("mine")

    # when
    code, out = _restore(disaster, target, "--to-time", disaster.t1.isoformat())

    # then
    assert code == 2, out
    assert "is not empty" in out
    assert (target / "keep.txt").read_text() == "mine"


def test_status_shows_the_newest_backup_the_archive_and_the_retention(disaster: Disaster) -> None:
    # given: the status taken before the disk died
    status = disaster.status_json

    # then
    assert disaster.archive_mode == "on"  # an existing data directory was switched to archiving
    assert status["retention_days"] == 30
    assert status["base_backups"]["count"] == 2
    newest = status["base_backups"]["newest"]
    assert newest["encryption"] == "age"
    assert 0 <= newest["age_seconds"] < 3600
    assert dt.datetime.fromisoformat(newest["finished_at"]) > dt.datetime.now(
        dt.UTC
    ) - dt.timedelta(hours=1)
    archiver = status["archiver"]
    assert archiver["archive_mode"] == "on"
    assert archiver["failed_count"] == 0
    assert archiver["last_archived_wal"]
    assert status["wal_archive"]["segments"] >= 1
    assert "newest base backup: " in disaster.status_text
    assert "encrypted with age" in disaster.status_text
    assert "retention 30 days" in disaster.status_text


def test_the_second_location_holds_every_base_backup_and_archived_segment(
    disaster: Disaster,
) -> None:
    # given: backups taken and WAL archived with BITNEXUS_BACKUP_COPY_TO set
    second = disaster.settings.backup_copy_to
    assert second is not None

    # then
    here, there = disaster.settings.backup_dir, second
    assert [b.path.name for b in base_backups(there)] == [b.path.name for b in base_backups(here)]
    assert len(base_backups(there)) == 2
    assert {p.name for p in wal_dir(there).iterdir()} >= {p.name for p in wal_dir(here).iterdir()}
