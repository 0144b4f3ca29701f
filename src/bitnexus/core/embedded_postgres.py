"""The embedded PostgreSQL (with pgvector) used when no DATABASE_URL is given.

It lives in `<data dir>/pg`, is reused across runs, and is stopped when the last process holding
it lets go (`release`, or at exit). A server found running that no process of ours ever held
was started by someone else (`pg_ctl` by hand) and is left running. A crash leaves a stale
`postmaster.pid` and a stale handle list behind; both are cleaned before start so the next run
recovers on its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

import psutil
import structlog

log = structlog.get_logger(__name__)

# the servers this process holds a handle on, by data directory
_held: dict[Path, Any] = {}


def _postgres_running_for(pid: int, pgdata: Path) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.name() == "postgres" and str(pgdata) in " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def clear_stale_state(pgdata: Path) -> None:
    """Remove the lock and handle files a crashed run left behind."""
    pidfile = pgdata / "postmaster.pid"
    if pidfile.exists():
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (ValueError, IndexError):
            pid = -1
        if not _postgres_running_for(pid, pgdata):
            log.warning("embedded_postgres.stale_lock_removed", pid=pid)
            pidfile.unlink(missing_ok=True)
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        with contextlib.suppress(ValueError, OSError):
            alive = [p for p in json.loads(handles.read_text()) if psutil.pid_exists(p)]
            handles.write_text(json.dumps(alive))


def _holders(pgdata: Path) -> list[int]:
    """The processes listed as holding a handle on the server in `pgdata`."""
    try:
        return [int(p) for p in json.loads((pgdata / ".handle_pids.json").read_text())]
    except (OSError, ValueError, TypeError):
        return []


def _pgserver() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root); the fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver  # heavy import: only when the embedded server is wanted
    return pgserver


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def release() -> None:
    """Let go of every handle this process holds, now: a server no other live process holds
    stops (unless it was found running without holders). At-exit handlers do this too, but a
    process ended by a signal never runs them."""
    for pgdata, server in list(_held.items()):
        clear_stale_state(pgdata)  # holders that died without letting go (killed workers)
        server.cleanup()
        del _held[pgdata]


def stop(data_dir: Path) -> None:
    """Let go of this process's handle on the server in `data_dir` now, stopping it when no
    live process holds another, e.g. before the directory is deleted."""
    pgdata = (data_dir / "pg").resolve()
    if (pgdata / "postmaster.pid").exists():
        clear_stale_state(pgdata)  # handles of processes gone (servers this one ran) too
        _pgserver().get_server(pgdata, cleanup_mode="stop").cleanup()
        _held.pop(pgdata, None)


def start(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a superuser URL over its Unix socket."""
    pgserver = _pgserver()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pg").resolve()
    # a server no process of ours ever held was started by someone else: never stop it
    held_before = _holders(pgdata)
    if pgdata.exists():
        clear_stale_state(pgdata)
    # Running as root, pgserver runs postgres as its own system user; the data dir chain must be
    # traversable by it.
    os.chmod(data_dir, 0o755)  # noqa: S103 (directory traversal only; files stay 0600)
    pid = _postmaster_pid(pgdata)
    foreign = pid is not None and _postgres_running_for(pid, pgdata) and not held_before
    server = pgserver.get_server(pgdata, cleanup_mode=None if foreign else "stop")
    _held[pgdata] = server
    uri: str = server.get_uri()
    log.info("embedded_postgres.ready", pgdata=str(pgdata))
    return uri
