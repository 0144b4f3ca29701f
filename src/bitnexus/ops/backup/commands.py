"""`bitnexus backup`, `bitnexus backup status` and `bitnexus restore` (docs/backup.md).

They manage the embedded PostgreSQL only; an external one (DATABASE_URL) is backed up by its
own tools (pgBackRest, the provider's point-in-time recovery), and the commands say so.
Exit codes: 0 done, 1 failed (a backup step, recovery, the restored ledger), 2 refused input.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bitnexus.core.config import Settings, get_settings
from bitnexus.core.logging import configure_logging

backup_cli = typer.Typer(
    help="Base backups of the embedded PostgreSQL into the backup directory (docs/backup.md).",
    invoke_without_command=True,
)
console = Console(stderr=True, width=120)

EXTERNAL = (
    "DATABASE_URL is set: this PostgreSQL is not the embedded one, so BitNexus does not back it "
    "up or restore it. Use its own point-in-time recovery (pgBackRest, or the provider's "
    "backups): see docs/backup.md, 'External PostgreSQL'."
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=code)


def _embedded_settings() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.database_url is not None:
        raise _fail(EXTERNAL)
    return settings


def _superuser(settings: Settings) -> str:
    """Start (or join) the embedded server; its superuser's libpq URL."""
    from bitnexus.core import provision
    from bitnexus.core.dburl import libpq

    urls = provision.database_urls(settings)
    assert urls.superuser is not None
    return libpq(urls.superuser)


@backup_cli.callback()
def backup(
    ctx: typer.Context,
    prune: Annotated[
        bool, typer.Option(help="Remove what the retention no longer keeps, afterwards.")
    ] = True,
    copy_to: Annotated[
        Path | None,
        typer.Option(help="Also copy the backup here (default BITNEXUS_BACKUP_COPY_TO)."),
    ] = None,
) -> None:
    """Take a base backup, verify it, copy it to the second location, apply the retention."""
    if ctx.invoked_subcommand is not None:
        return
    from bitnexus.core import embedded_postgres
    from bitnexus.ops.backup.prune import prune as apply_retention
    from bitnexus.ops.backup.take import BackupFailed, take
    from bitnexus.ops.backup.take import copy_to as copy_backup

    settings = _embedded_settings()
    second = copy_to or settings.backup_copy_to
    try:
        made = take(settings, _superuser(settings))
        console.print(
            f"[green]base backup {made.path.name}[/] verified: {made.path} "
            f"({made.record.size_bytes / 1e6:.1f} MB"
            + (", encrypted with age)" if made.record.encryption else ")")
        )
        if second is not None:
            copy_backup(made, settings.backup_dir, second)
            console.print(f"copied to {second}")
        if prune:
            for root in (settings.backup_dir, second):
                if root is None:
                    continue
                pruned = apply_retention(root, settings.backup_retention_days)
                gone = ", ".join(pruned.backups) or "none"
                console.print(
                    f"retention {settings.backup_retention_days:g} days in {root}: removed base "
                    f"backups {gone} and {pruned.segments} WAL segments"
                )
    except BackupFailed as exc:
        raise _fail(str(exc), code=1) from exc
    finally:
        embedded_postgres.release()


@backup_cli.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """The newest base backup and its age, the WAL archive's lag, the retention."""
    from bitnexus.core import embedded_postgres
    from bitnexus.ops.backup import status as report

    settings = _embedded_settings()
    try:
        found = report.collect(settings, _superuser(settings))
    finally:
        embedded_postgres.release()
    if as_json:
        print(json.dumps(found, indent=2))
    else:
        for line in report.lines(found):
            print(line)


def restore(
    data_dir: Annotated[
        Path, typer.Option(help="The fresh data directory to restore into (then serve it).")
    ],
    to_time: Annotated[
        str | None,
        typer.Option(help="Recover what was committed up to this time (ISO 8601; UTC if bare)."),
    ] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Recover everything the WAL archive holds.")
    ] = False,
    backup_dir: Annotated[
        Path | None, typer.Option(help="Where the backups are (default BITNEXUS_BACKUP_DIR).")
    ] = None,
    identity: Annotated[
        Path | None, typer.Option(help="The age identity file of an encrypted backup.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Empty DATA_DIR first if it is not empty.")
    ] = False,
) -> None:
    """Restore the embedded database to a time (or the latest archived write) into a fresh data
    directory, then verify every ledger; fails unless they all verify."""
    from bitnexus.core import embedded_postgres, provision
    from bitnexus.ledger.report import verify_and_print
    from bitnexus.ops.backup import restore as steps
    from bitnexus.ops.backup.layout import base_backups, wal_dir

    settings = _embedded_settings()
    source = backup_dir or settings.backup_dir
    try:
        if (to_time is None) == (not latest):
            raise steps.RestoreRefused("give exactly one of --to-time and --latest")
        moment = steps.parse_time(to_time) if to_time is not None else None
        chosen = steps.choose(base_backups(source), moment, source)
        steps.readable(chosen, identity)
        target = data_dir.resolve()
        steps.prepare(target, force)
        console.print(f"restoring base backup {chosen.path.name} into {target}")
        steps.unpack(chosen, target, identity)
    except steps.RestoreRefused as exc:
        raise _fail(str(exc)) from exc
    started = dt.datetime.now(dt.UTC)
    try:
        steps.recover(target / "pg", wal_dir(source), moment)
    except steps.RestoreFailed as exc:
        raise _fail(str(exc), code=1) from exc
    took = (dt.datetime.now(dt.UTC) - started).total_seconds()
    console.print(f"recovered to {moment.isoformat() if moment else 'the latest'} in {took:.1f} s")
    restored = settings.model_copy(update={"data_dir": target, "wal_archive": False})
    try:
        try:
            urls = provision.database_urls(restored)
        except (OSError, subprocess.SubprocessError) as exc:
            tail = steps.log_tail(target / "pg")
            raise _fail(f"the restored server did not start ({exc}):\n{tail}", code=1) from exc
        reports = verify_and_print(urls.owner, restored, None, console)
    finally:
        embedded_postgres.release()
    if not all(r.ok for r in reports):
        raise _fail("the restored ledger does not verify: do not serve this data directory", code=1)
    console.print(
        f"[green]restored and verified[/]: serve it with BITNEXUS_DATA_DIR={target} "
        "(then take a new base backup)"
    )
