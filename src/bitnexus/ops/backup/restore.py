"""Restore a base backup into a fresh data directory and replay the WAL archive to a time (or
to its end): the steps before the ledger is verified."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from bitnexus.core import embedded_postgres
from bitnexus.ops.backup.layout import ENCRYPTED, SECRETS, BaseBackup

POLL_SECONDS = 0.2


class RestoreRefused(ValueError):
    """The request cannot be carried out as given (bad time, no backup, directory in use)."""


class RestoreFailed(RuntimeError):
    """Recovery did not finish (says why, with the server's last log lines)."""


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise RestoreRefused(
            f"--to-time {text!r} is not an ISO 8601 time (e.g. 2026-12-04T09:30:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def choose(found: list[BaseBackup], to_time: dt.datetime | None, where: Path) -> BaseBackup:
    """The newest base backup that can be recovered to `to_time` (None: the newest)."""
    if not found:
        raise RestoreRefused(f"no verified base backup in {where}")
    if to_time is None:
        return found[-1]
    if to_time > dt.datetime.now(dt.UTC):
        raise RestoreRefused(f"--to-time {to_time.isoformat()} is in the future")
    usable = [b for b in found if b.record.consistent <= to_time]
    if not usable:
        raise RestoreRefused(
            f"--to-time {to_time.isoformat()} is before the oldest base backup, which can be "
            f"restored to {found[0].record.consistent_at} at the earliest"
        )
    return usable[-1]


def prepare(target: Path, force: bool) -> None:
    """Make `target` an empty directory: refuse a non-empty one unless `force`."""
    if target.exists() and not target.is_dir():
        raise RestoreRefused(f"{target} is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise RestoreRefused(
                f"{target} is not empty: restore into a fresh directory (--force empties it)"
            )
        if embedded_postgres.running(target):
            raise RestoreRefused(f"a PostgreSQL server runs on {target}: stop it first")
        for child in target.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    target.mkdir(parents=True, exist_ok=True)


def _give_tree_to_server(root: Path) -> None:
    embedded_postgres.give_to_server(root)
    for path in root.rglob("*"):
        embedded_postgres.give_to_server(path)


def readable(backup: BaseBackup, identity: Path | None) -> str | None:
    """Check an encrypted backup can be opened here: the `age` program, or None if plain."""
    if backup.record.encryption != "age":
        return None
    if identity is None:
        raise RestoreRefused(
            f"{backup.path.name} is encrypted with age for {backup.record.encrypted_to}: "
            "give its identity file with --identity"
        )
    age = shutil.which("age")
    if age is None:
        raise RestoreRefused("the backup is encrypted: install `age` (Debian package `age`)")
    return age


def unpack(backup: BaseBackup, target: Path, identity: Path | None) -> None:
    """Put the backup's database in `target/pg` and its keys in `target`."""
    age = readable(backup, identity)
    unpacked = target / ".unpacking"
    unpacked.mkdir(mode=0o700)
    if age is not None:
        assert identity is not None
        dec = subprocess.Popen(
            [age, "-d", "-i", str(identity), str(backup.path / ENCRYPTED)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert dec.stdout is not None
        tar = subprocess.run(["tar", "-x", "-C", str(unpacked)], stdin=dec.stdout, check=False)
        dec.stdout.close()
        err = dec.stderr.read().decode() if dec.stderr else ""
        if dec.wait() != 0 or tar.returncode != 0:
            shutil.rmtree(unpacked)
            raise RestoreRefused(f"cannot decrypt {backup.path.name} with {identity}: {err}")
    else:
        shutil.copytree(backup.path / "pgdata", unpacked / "pgdata", symlinks=True)
        shutil.copytree(backup.path / "secrets", unpacked / "secrets")
    for name in SECRETS:
        if (unpacked / "secrets" / name).is_file():
            (unpacked / "secrets" / name).rename(target / name)
    for carried in (unpacked / "secrets").iterdir():  # the ledger's key directory
        if carried.is_dir():
            carried.rename(target / carried.name)
    # the backed-up server's own run-time files, copied as they were: a socket lock naming its
    # process id (another process may have that id now) and pgserver's list of holders
    for stale in (
        *(unpacked / "pgdata").glob(".s.PGSQL.*.lock"),
        unpacked / "pgdata" / ".handle_pids.json",
    ):
        stale.unlink(missing_ok=True)
    (unpacked / "pgdata").rename(target / "pg")
    shutil.rmtree(unpacked)
    os.chmod(target, 0o755)  # noqa: S103 (traversal by the server's user; files stay 0600)
    os.chmod(target / "pg", 0o700)
    _give_tree_to_server(target / "pg")
    embedded_postgres.reachable(target / "pg")


def _pg_ctl(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(embedded_postgres.binary("pg_ctl")), "-D", str(pgdata), *args],
        capture_output=True,
        text=True,
        check=False,
        user=embedded_postgres.system_user(),
    )


def log_tail(pgdata: Path, lines: int = 15) -> str:
    try:
        return "\n".join((pgdata / "log").read_text().splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def restore_command(wal: Path) -> str:
    """The shell command that hands PostgreSQL an archived segment (stored gzipped)."""
    archived = shlex.quote(str(wal.resolve())) + "/%f.gz"
    return f"test -f {archived} && gzip -d -c {archived} > %p"


def _archive_readable(wal: Path) -> None:
    """The server's user reads the archive (its own files, unless copied in by someone else)."""
    user = embedded_postgres.system_user()
    if user is None or not wal.is_dir():
        return
    import pwd

    uid = pwd.getpwnam(user).pw_uid
    embedded_postgres.reachable(wal)
    for path in (wal, *wal.iterdir()):
        if path.stat().st_uid != uid:
            embedded_postgres.give_to_server(path)


def recover(pgdata: Path, wal: Path, to_time: dt.datetime | None) -> None:
    """Replay the archive in `wal` to `to_time` (None: to its end), promote, and stop."""
    quoted = embedded_postgres.conf_string
    recovery = {
        "restore_command": quoted(restore_command(wal)),
        "recovery_target_action": quoted("promote"),
        "recovery_target_timeline": quoted("latest"),
    }
    if to_time is not None:
        recovery["recovery_target_time"] = quoted(to_time.isoformat(sep=" "))
    # the restored server must not write into the archive it reads (a drill, a second copy):
    # `bitnexus serve` on the new data directory archives as its own settings say
    embedded_postgres.configure_archiving(pgdata, None)
    _archive_readable(wal)
    embedded_postgres.write_conf(pgdata, embedded_postgres.RECOVERY_CONF, recovery)
    signal = pgdata / "recovery.signal"
    signal.touch()
    embedded_postgres.give_to_server(signal)
    sockets = Path(tempfile.mkdtemp(prefix="bnx-restore-"))
    os.chmod(sockets, 0o777)  # noqa: S103 (the server's user makes its socket here)
    try:
        started = _pg_ctl(
            pgdata, "-w", "-t", "3600", "-l", str(pgdata / "log"),
            "-o", f"-h '' -k {sockets}", "start",
        )  # fmt: skip
        if started.returncode != 0:
            raise RestoreFailed(f"recovery did not start:\n{log_tail(pgdata)}")
        try:
            _await_promotion(pgdata, sockets)
        finally:
            _pg_ctl(pgdata, "-w", "-m", "fast", "stop")
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    embedded_postgres.write_conf(pgdata, embedded_postgres.RECOVERY_CONF, {})


def _await_promotion(pgdata: Path, sockets: Path) -> None:
    """Wait until recovery has ended and the server accepts writes, or has died."""
    while True:
        if _pg_ctl(pgdata, "status").returncode != 0:
            tail = log_tail(pgdata)
            hint = (
                "\nno write after the target time is in the archive: choose an earlier time, "
                "or --latest"
                if "before configured recovery target was reached" in tail
                else ""
            )
            raise RestoreFailed(f"recovery stopped before its end:\n{tail}{hint}")
        try:
            with psycopg.connect(host=str(sockets), user="postgres", dbname="postgres") as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            pass  # between recovery's end and the promoted server's start
        time.sleep(POLL_SECONDS)
