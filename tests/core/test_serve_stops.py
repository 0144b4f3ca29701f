"""`bitnexus serve` stops the embedded PostgreSQL it started on every way out, and leaves alone
one it did not start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from bitnexus.core.config import Settings
from tests.conftest import free_port, launch_server

BIN = Path(sys.executable).with_name("bitnexus")
STOP_WITHIN = 30.0  # seconds: the graceful shutdown, then the database's own stop


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(data_dir),
        "BITNEXUS_SECRET_KEY": "test-secret-serve-stops",
        "BITNEXUS_LOG_LEVEL": "WARNING",
        "BITNEXUS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
        "BITNEXUS_ROLLUP_SECONDS": "0",
        "BITNEXUS_COMMISSION_MATURE_SECONDS": "0",
        "BITNEXUS_PAYOUT_SCHEDULE_SECONDS": "0",
    }
    env.pop("DATABASE_URL", None)
    return env


def _postmasters(pgdata: Path) -> list[psutil.Process]:
    """The postgres processes serving `pgdata` (the postmaster and its children)."""
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline):
            found.append(proc)
    return found


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a migrated database and no server running (copied per test)."""
    data = tmp_path_factory.mktemp("serve-stops") / "data"
    done = subprocess.run(
        [str(BIN), "migrate"],
        env=_env(data, 0),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not _postmasters((data / "pg").resolve())
    return data


@pytest.fixture
def own_data_dir(migrated: Path, tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    # -a keeps the owner: the server runs as its own system user when the tests run as root
    subprocess.run(["/bin/cp", "-a", str(migrated), str(data)], check=True)
    yield data
    for proc in _postmasters((data / "pg").resolve()):  # never leave one behind a failed test
        proc.kill()


def _serve(data_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--no-migrate", "--port", str(port), *args],
        env=_env(data_dir, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # like a terminal's foreground job: its own process group
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {err[-2000:]}")
        time.sleep(0.2)


def _wait_gone(pgdata: Path, within: float) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while (left := _postmasters(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_serve_stops_the_database_it_started(
    own_data_dir: Path, sig: signal.Signals, workers: int
) -> None:
    # given
    pgdata = (own_data_dir / "pg").resolve()
    proc = _serve(own_data_dir, "--workers", str(workers))
    assert _postmasters(pgdata), "serve should have started the embedded server"

    # when
    os.kill(proc.pid, sig)

    # then
    try:
        proc.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"serve was still running {STOP_WITHIN:g}s after {sig.name}")
    left = _wait_gone(pgdata, within=5)
    assert not left, f"postgres left running after {sig.name}: {[p.pid for p in left]}"
    assert not (pgdata / "postmaster.pid").exists()


def test_serve_stops_the_database_when_the_app_fails_to_start(own_data_dir: Path) -> None:
    # given: the port is taken, so the server fails once the database is up
    pgdata = (own_data_dir / "pg").resolve()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        # when
        done = subprocess.run(
            [str(BIN), "serve", "--no-migrate", "--port", str(port)],
            env=_env(own_data_dir, port),
            capture_output=True,
            timeout=120,
            check=False,
        )

    # then
    assert done.returncode != 0
    assert b"address already in use" in done.stderr.lower()
    assert not _wait_gone(pgdata, within=5)


def test_serve_leaves_alone_a_database_it_did_not_start(
    settings: Settings, db_urls: object
) -> None:
    # given: the test session's server, started by this process
    pgdata = (settings.data_dir / "pg").resolve()
    proc, _url = launch_server(settings)

    # when
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=STOP_WITHIN)

    # then
    assert _postmasters(pgdata)
    assert (pgdata / "postmaster.pid").exists()
