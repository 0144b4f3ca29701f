"""The embedded PostgreSQL (with pgvector) used when no DATABASE_URL is given.

It lives in `<data dir>/pg`, is reused across runs, and is stopped when the last process holding
it lets go (`release`, or at exit). A server found running that no process of ours ever held
was started by someone else (`pg_ctl` by hand) and is left running. A crash leaves a stale
`postmaster.pid` and a stale handle list behind; both are cleaned before start so the next run
recovers on its own.

Continuous WAL archiving (docs/backup.md) is set in `bitnexus.conf`, an include of
`postgresql.conf` rewritten at each start; `archive_mode` only changes on a restart, so a server
this process starts (a first start just made its data directory) is restarted once when it must.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import structlog

log = structlog.get_logger(__name__)

# the servers this process holds a handle on, by data directory
_held: dict[Path, Any] = {}

# settings files of ours that postgresql.conf includes: archiving, and a restore's recovery
MANAGED_CONF = "bitnexus.conf"
RECOVERY_CONF = "bitnexus-recovery.conf"
WALCOPY = Path(__file__).with_name("walcopy.sh")
WALCOPY_IN_PGDATA = "bitnexus-walcopy.sh"  # a copy the server's own user can always read


@dataclass(frozen=True)
class Archiving:
    """Continuous WAL archiving: each finished segment is copied into every directory, and a
    segment is finished at least every `timeout_seconds` while anything is written."""

    directories: tuple[Path, ...]
    timeout_seconds: int = 60


def archive_command(archiving: Archiving) -> str:
    """The shell command PostgreSQL runs, from the data directory, for each segment (`%p` its
    path, `%f` its name)."""
    words = ["sh", WALCOPY_IN_PGDATA, "%p", "%f", *map(str, archiving.directories)]
    return " ".join(shlex.quote(w) for w in words)


def conf_string(value: str) -> str:
    """`value` as a quoted string of a PostgreSQL settings file."""
    return "'" + value.replace("'", "''") + "'"


def system_user() -> str | None:
    """The system user the server runs as: `pgserver` when we are root, else ourselves."""
    return "pgserver" if os.geteuid() == 0 else None


def give_to_server(path: Path) -> None:
    """Make `path` (a file or a directory) the server's own when it runs as another user."""
    user = system_user()
    if user is not None:
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def reachable(path: Path) -> None:
    """Let the server's user walk down to `path` (when it is another user than ours)."""
    if system_user() is not None:
        _pgserver().utils.ensure_prefix_permissions(path)


def _write_owned(path: Path, text: str) -> None:
    # a name of this process's own: worker processes starting together write the same files
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    give_to_server(temporary)
    temporary.replace(path)


def write_conf(pgdata: Path, name: str, lines: dict[str, str]) -> None:
    """Write one of our included settings files (and the includes, once)."""
    main = pgdata / "postgresql.conf"
    text = main.read_text()
    includes = [f"include_if_exists = '{n}'" for n in (MANAGED_CONF, RECOVERY_CONF)]
    if includes[0] not in text:
        block = "\n".join(["", "# settings BitNexus manages (docs/backup.md)", *includes, ""])
        main.write_text(text.rstrip("\n") + "\n" + block)
    if not (pgdata / RECOVERY_CONF).exists():  # present, so the server never logs it missing
        _write_owned(pgdata / RECOVERY_CONF, "# a restore's recovery settings (none)\n")
    body = "".join(f"{key} = {value}\n" for key, value in lines.items())
    _write_owned(pgdata / name, "# written by BitNexus: edits are lost\n" + body)


def configure_archiving(pgdata: Path, archiving: Archiving | None) -> None:
    """Set the server's archiving (takes effect at its next start or reload, `archive_mode`
    at its next start only)."""
    if archiving is None:
        write_conf(pgdata, MANAGED_CONF, {"archive_mode": "off"})
        return
    for directory in archiving.directories:
        directory.mkdir(parents=True, exist_ok=True)
        reachable(directory)
        give_to_server(directory)
    _write_owned(pgdata / WALCOPY_IN_PGDATA, WALCOPY.read_text())
    write_conf(
        pgdata,
        MANAGED_CONF,
        {
            "archive_mode": "on",
            "archive_command": conf_string(archive_command(archiving)),
            "archive_timeout": str(archiving.timeout_seconds),
        },
    )


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


def start(data_dir: Path, archiving: Archiving | None = None) -> str:
    """Start (or join) the embedded server and return a superuser URL over its Unix socket,
    archiving its WAL as `archiving` says (None: not)."""
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
    made = not (pgdata / "PG_VERSION").exists()
    if not made and not foreign:
        configure_archiving(pgdata, archiving)
    server = pgserver.get_server(pgdata, cleanup_mode=None if foreign else "stop")
    _held[pgdata] = server
    uri: str = server.get_uri()
    if not foreign:
        if made:
            configure_archiving(pgdata, archiving)  # initdb made the data dir just now
        if _reload_needs_restart(uri) and _holders(pgdata) == [os.getpid()]:
            _restart(server, pgdata)
            uri = server.get_uri()
    log.info("embedded_postgres.ready", pgdata=str(pgdata))
    return uri


def _reload_needs_restart(uri: str) -> bool:
    """Reload the settings; whether `archive_mode` waits for a restart."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        # pg_file_settings reads the files as they are now, whatever the server has loaded
        row = conn.execute(
            "SELECT (SELECT setting FROM pg_file_settings WHERE name = 'archive_mode' "
            "ORDER BY seqno DESC LIMIT 1) IS DISTINCT FROM current_setting('archive_mode')"
        ).fetchone()
    return bool(row and row[0])


def _restart(server: Any, pgdata: Path) -> None:
    """Restart the server this process started, keeping its options (socket, no TCP)."""
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]
    from pgserver.utils import PostmasterInfo

    pg_ctl(["-w", "-l", str(pgdata / "log"), "restart"], pgdata=pgdata, user=server.system_user)
    # the handle checks (and stops, at the end) the postmaster it knows: the new one
    server._postmaster_info = PostmasterInfo.read_from_pgdata(pgdata)
    log.info("embedded_postgres.restarted", reason="archive_mode", pgdata=str(pgdata))


def binary(name: str) -> Path:
    """A PostgreSQL program shipped with the embedded server (pg_basebackup, pg_ctl, …)."""
    return Path(_pgserver()._commands.POSTGRES_BIN_PATH) / name


def running(data_dir: Path) -> bool:
    """Whether a server runs on the data directory `data_dir`."""
    pgdata = (data_dir / "pg").resolve()
    pid = _postmaster_pid(pgdata)
    return pid is not None and _postgres_running_for(pid, pgdata)
