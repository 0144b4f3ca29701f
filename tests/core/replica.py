"""A real streaming replica of the session's embedded PostgreSQL: `pg_basebackup -R` of the
primary, a second server on a socket directory of its own, stopped and started at will (as the
server's own system user when the tests run as root)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

from bitnexus.core import embedded_postgres
from bitnexus.core.dburl import DatabaseUrls, libpq
from tests.waiting import wait_until


class StreamingReplica:
    def __init__(self, db_urls: DatabaseUrls) -> None:
        assert db_urls.superuser is not None, "the session's PostgreSQL is the embedded one"
        self.primary = libpq(db_urls.superuser.set(database="bitnexus"))
        # short: a Unix socket's path must fit in 107 bytes
        self.root = Path(tempfile.mkdtemp(prefix="bnrep-"))
        self.root.chmod(0o755)  # the server's user walks down to its directories
        self.pgdata = self.root / "pgdata"
        self.sockets = self.root / "s"
        for directory in (self.pgdata, self.sockets):
            directory.mkdir(mode=0o700)
            embedded_postgres.give_to_server(directory)
        host = str(self.sockets)
        # the runtime role, as the app connects to the primary (no password over the socket)
        self.app_url: URL = db_urls.app.set(query={"host": host})
        self.superuser = f"postgresql://postgres@/bitnexus?host={host}"

    def _run(self, program: str, *args: str) -> None:
        user = embedded_postgres.system_user()
        subprocess.run(
            [str(embedded_postgres.binary(program)), *args],
            check=True,
            capture_output=True,
            timeout=120,
            user=user,
            cwd="/",  # the server's user may not read ours
        )

    def create(self) -> None:
        """Copy the primary (its connection settings written for a standby: `-R`), start."""
        self._run(
            "pg_basebackup",
            *("-d", self.primary, "-D", str(self.pgdata), "-R", "-X", "stream"),
            *("--checkpoint", "fast"),
        )
        self.start()

    def start(self) -> None:
        self._run(
            "pg_ctl",
            *("-D", str(self.pgdata), "-w", "-t", "60", "-l", str(self.pgdata / "log")),
            *("-o", f"-h '' -k {self.sockets}", "start"),
        )
        wait_until(self.streaming, "the replica streams from the primary")

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def ask(self, query: str) -> object:
        """The one value `query` answers on the replica, as its superuser."""
        with psycopg.connect(self.superuser, autocommit=True) as conn:
            row = conn.execute(query).fetchone()
        return None if row is None else row[0]

    def configure(self, setting: str, value: str | None) -> None:
        """Set a server setting on the replica (None: back to its default), in effect at once."""
        change = f"RESET {setting}" if value is None else f"SET {setting} = {value}"
        with psycopg.connect(self.superuser, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM {change}")
            conn.execute("SELECT pg_reload_conf()")

    def streaming(self) -> bool:
        try:
            return self.ask("SELECT status FROM pg_stat_wal_receiver") == "streaming"
        except psycopg.OperationalError:
            return False

    def pause(self) -> None:
        self.ask("SELECT pg_wal_replay_pause()")
        wait_until(
            lambda: self.ask("SELECT pg_get_wal_replay_pause_state()") == "paused",
            "replay is paused",
        )

    def resume(self) -> None:
        self.ask("SELECT pg_wal_replay_resume()")

    def caught_up(self) -> bool:
        """Whether the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary, autocommit=True) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        return bool(self.ask(f"SELECT pg_last_wal_replay_lsn() >= '{row[0]}'::pg_lsn"))
