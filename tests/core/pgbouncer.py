"""A real PgBouncer in transaction mode in front of the test database, for the tests that run
BitNexus through a pooler (tests/core/test_pgbouncer.py)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from bitnexus.core.dburl import APP_ROLE, EMBEDDED_DATABASE
from tests.waiting import wait_until

PGBOUNCER = Path("/usr/sbin/pgbouncer")  # Debian's package (`make test` installs it)
POOL_SIZE = 2  # server connections per database and user: few, so clients really share them


@dataclass(frozen=True)
class Bouncer:
    port: int
    log: Path

    def url(self, direct: URL) -> URL:
        """`direct` (the runtime role to the embedded server) through the pooler."""
        return direct.set(host="127.0.0.1", port=self.port, query={})

    def show(self, what: str) -> list[dict[str, Any]]:
        """`SHOW <what>` on the pooler's admin console (simple query protocol only)."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            dbname="pgbouncer",
            user=APP_ROLE,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
        ) as admin:
            cursor = admin.execute(f"SHOW {what}")
            names = [c.name for c in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def pgbouncer(direct: URL) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode on a free loopback port, `POOL_SIZE` server connections
    to the embedded server's Unix socket; stopped on leaving, whatever happened."""
    if not PGBOUNCER.is_file():
        raise RuntimeError(f"{PGBOUNCER} is missing: `make test` installs Debian's pgbouncer")
    socket_dir = str(direct.query["host"])
    workdir = Path(tempfile.mkdtemp(prefix="bitnexus-pgbouncer-"))
    port = _free_port()
    log = workdir / "pgbouncer.log"
    (workdir / "userlist.txt").write_text(f'"{APP_ROLE}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{EMBEDDED_DATABASE} = host={socket_dir} dbname={EMBEDDED_DATABASE}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        # loopback only, for the test: the server's own authentication still applies behind it
        "auth_type = trust\n"
        f"auth_file = {workdir / 'userlist.txt'}\n"
        f"stats_users = {APP_ROLE}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {POOL_SIZE}\n"
        "min_pool_size = 0\n"
        "reserve_pool_size = 0\n"
        "max_client_conn = 200\n"
        f"logfile = {log}\n"
    )
    command = [str(PGBOUNCER)]
    if os.geteuid() == 0:  # it refuses to run as root: as the embedded server's own user
        user = "pgserver"
        owner = pwd.getpwnam(user)
        for path in (workdir, *workdir.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command += ["-u", user]
    process = subprocess.Popen(
        [*command, str(workdir / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: process.poll() is not None or _listening(port), "pgbouncer listening")
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"pgbouncer did not start: {error[-2000:]}")
        yield Bouncer(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
