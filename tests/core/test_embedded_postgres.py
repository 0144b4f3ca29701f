"""The embedded server recovers from a crash's leftovers."""

from __future__ import annotations

import json
from pathlib import Path

from bitnexus.core.embedded_postgres import clear_stale_state


def test_stale_pidfile_and_handles_are_cleared(tmp_path: Path) -> None:
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    # a postmaster.pid naming a process that no longer exists, as after kill -9 of the server
    (pgdata / "postmaster.pid").write_text("999999\n/nowhere\n")
    (pgdata / ".handle_pids.json").write_text(json.dumps([999998, 1]))

    clear_stale_state(pgdata)

    assert not (pgdata / "postmaster.pid").exists()
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == [1]


def test_running_servers_pidfile_is_kept(settings: object, db_urls: object) -> None:
    from bitnexus.core.config import Settings

    assert isinstance(settings, Settings)
    pgdata = settings.data_dir / "pg"
    before = (pgdata / "postmaster.pid").read_text()
    clear_stale_state(pgdata)
    assert (pgdata / "postmaster.pid").read_text() == before
