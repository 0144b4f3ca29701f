"""The embedded server stops with its last process and comes back after a crash (kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from tests.waiting import wait_until

BIN = Path(sys.executable).with_name("bitnexus")


def _db_url(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BITNEXUS_DATA_DIR": str(data_dir), "BITNEXUS_LOG_FORMAT": "json"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(BIN), "db-url"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _postmaster_pid(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    return int(pidfile.read_text().splitlines()[0]) if pidfile.exists() else None


def test_server_stops_on_exit_and_recovers_from_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pgdata = data / "pg"

    first = _db_url(data)  # starts the server, prints the URL, exits: the server must stop
    assert first.returncode == 0, first.stderr
    assert _postmaster_pid(pgdata) is None

    # start a server that outlives nobody's cleanup, then crash it hard
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from bitnexus.core import embedded_postgres;"
            f"embedded_postgres.start(Path({str(data)!r})); print('up', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    lines = iter(holder.stdout.readline, "")
    assert any(line.strip() == "up" for line in lines)
    pid = _postmaster_pid(pgdata)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    holder.kill()
    holder.wait()
    wait_until(lambda: not psutil.pid_exists(pid), "the killed PostgreSQL exited")
    assert (pgdata / "postmaster.pid").exists()  # the stale lock a crash leaves behind

    again = _db_url(data)

    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("postgresql://")
    assert _postmaster_pid(pgdata) is None
