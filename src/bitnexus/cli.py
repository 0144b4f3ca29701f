"""The `bitnexus` command: serve, migrate, demo, create-platform-admin, db-url, openapi,
ledger …, search reindex, backup …, restore."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bitnexus.core import embedded_postgres, limits, provision
from bitnexus.core.config import Settings, get_settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.limits import LimitedHttpToolsProtocol
from bitnexus.core.logging import configure_logging
from bitnexus.ledger.rotation_cli import rotate_key
from bitnexus.ops.backup.commands import backup_cli, restore

if TYPE_CHECKING:
    from fastapi import FastAPI

cli = typer.Typer(
    help="BitNexus: multi-tenant affiliate marketplace with a verifiable commission ledger.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, width=120)


def _setup() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _urls(settings: Settings, migrate: bool) -> DatabaseUrls:
    try:
        return provision.migrate(settings) if migrate else provision.database_urls(settings)
    except provision.DatabaseNotSuitable as exc:
        raise _fail(str(exc)) from exc


def _print_logins(settings: Settings, logins: list[object]) -> None:
    from bitnexus.demo import DemoLogin

    table = Table(title="Demo logins", show_lines=False)
    for col in ("organisation", "email", "password", "role"):
        table.add_column(col)
    for login in logins:
        assert isinstance(login, DemoLogin)
        table.add_row(login.organisation, login.email, login.password, login.role.value)
    console.print(table)


# A thread's result (to_thread, sync dependencies, the click spool's syncs) waits for the busy
# event loop to give up the GIL: switch every 0.5 ms instead of CPython's 5 ms.
SWITCH_INTERVAL_SECONDS = 0.0005


def tune_process() -> None:
    """Tune a serving process once its app has started (see docs/performance.md)."""
    # What starting made (modules, routes, schemas) lives as long as the process: keep it out of
    # the cyclic collector's full passes, which would walk all of it while requests wait.
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def worker_app() -> FastAPI:
    """The app of one worker process of `bitnexus serve --workers N`, its process tuned."""
    from bitnexus.app import from_environment

    app = from_environment()
    tune_process()
    return app


@cli.command()
def serve(
    migrate: Annotated[bool, typer.Option(help="Run pending migrations first.")] = True,
    demo: Annotated[bool, typer.Option(help="Seed the demo organisation (idempotent).")] = False,
    host: Annotated[str | None, typer.Option(help="Bind address (default BITNEXUS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default BITNEXUS_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes sharing the port (each runs the jobs).")
    ] = 1,
) -> None:
    """Serve the API and the web app (starting the embedded PostgreSQL when needed)."""
    settings = _setup()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; by default that ends the
    # process before any at-exit handler, so make it an exit that unwinds through `finally`
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        _serve(settings, migrate, demo, host, port, workers)
    except KeyboardInterrupt:
        raise typer.Exit(code=128 + signal.SIGINT) from None
    finally:
        # the embedded server this command started stops with it, whatever the way out
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        embedded_postgres.release()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(
    settings: Settings, migrate: bool, demo: bool, host: str | None, port: int | None, workers: int
) -> None:
    import uvicorn

    from bitnexus.app import create_app
    from bitnexus.core.metrics.exposition import prepare_multiprocess

    if host:
        settings.host = host
    if port:
        settings.port = port
    urls = _urls(settings, migrate)
    logins: list[object] = []
    if demo:
        from bitnexus.demo import seed

        logins = list(asyncio.run(_with_db(urls, lambda db: seed(db, settings))))
    if workers > 1:
        # Each worker process builds its own app from the environment (and joins the embedded
        # server); the jobs and the click recorder are safe to run in every one of them.
        os.environ |= {"BITNEXUS_HOST": settings.host, "BITNEXUS_PORT": str(settings.port)}
        prepare_multiprocess(settings.data_dir)  # /metrics counts every worker (docs/operations.md)
        if logins:
            _print_logins(settings, logins)
        _print_running(settings, workers)
        uvicorn.run("bitnexus.cli:worker_app", factory=True, workers=workers, **_uvicorn(settings))
        return
    config = uvicorn.Config(create_app(settings, urls), **_uvicorn(settings))
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.05)
        if server.started:
            tune_process()
            if logins:
                _print_logins(settings, logins)
            _print_running(settings, workers)
        await task

    # uvicorn's own loop choice (uvloop when installed), as `uvicorn.run` would make it
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(run())
    if not server.started:
        raise typer.Exit(code=3)  # the app failed to start (uvicorn's own exit code for it)


def _uvicorn(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app, with one worker or several."""
    limits.configure(settings)
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # ours (configure_logging)
        "access_log": False,  # ours is richer (core.http)
        "proxy_headers": False,
        "server_header": False,
        # limits (docs/architecture.md, "Server limits"); the head's in core.limits
        "http": LimitedHttpToolsProtocol,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.max_concurrency,
        "backlog": settings.backlog,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "timeout_graceful_shutdown": settings.shutdown_seconds,
        # a socket's client sends small JSON messages (realtime.protocol: 8 KiB at most)
        "ws_max_size": 65_536,
        # events are small JSON sent alike to many sockets: compressing each copy apart cost
        # more CPU than the fan-out itself (bench/fanout.py) and saves little on the wire
        "ws_per_message_deflate": False,
    }


def _print_running(settings: Settings, workers: int) -> None:
    processes = f" ({workers} worker processes)" if workers > 1 else ""
    console.print(
        f"\n[bold green]BitNexus is running at[/] http://{settings.host}:{settings.port}{processes}"
    )
    console.print("API docs: /api/docs · press Ctrl-C to stop\n")


async def _with_db(urls: DatabaseUrls, fn):  # type: ignore[no-untyped-def]
    db = Database(urls.app_direct, pool_size=2)
    try:
        return await fn(db)
    finally:
        await db.dispose()


@cli.command()
def migrate() -> None:
    """Create roles and extensions if needed and run every pending migration."""
    settings = _setup()
    _urls(settings, migrate=True)
    console.print("[green]database is at the newest migration[/]")


@cli.command("demo")
def demo_command() -> None:
    """Seed the demo organisation "Acme Academy" (idempotent) and print its logins."""
    from bitnexus.demo import seed

    settings = _setup()
    urls = _urls(settings, migrate=True)
    _print_logins(settings, list(asyncio.run(_with_db(urls, lambda db: seed(db, settings)))))


@cli.command("create-platform-admin")
def create_platform_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Login email.")],
    name: Annotated[str, typer.Option(prompt=True, help="Display name.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ],
) -> None:
    """Create a platform admin, who logs in to the organisation "platform"."""
    from bitnexus.core.errors import BitnexusError
    from bitnexus.demo import create_platform_admin as create

    settings = _setup()
    urls = _urls(settings, migrate=True)

    async def go(db: Database) -> object:
        return await create(db, email=email, name=name, password=password)

    try:
        asyncio.run(_with_db(urls, go))
    except BitnexusError as exc:
        details = "; ".join(f"{e.field}: {e.detail}" for e in exc.errors) or exc.detail
        raise _fail(details) from exc
    console.print(f"[green]platform admin {email} created[/]; log in with organisation 'platform'")


@cli.command("db-url")
def db_url(
    role: Annotated[str, typer.Option(help="'owner' or 'app'.")] = "owner",
) -> None:
    """Print the libpq connection URL of the owner or runtime role (starts the embedded server)."""
    settings = _setup()
    urls = _urls(settings, migrate=False)
    print(libpq(urls.owner if role == "owner" else urls.app))


@cli.command()
def openapi() -> None:
    """Print the OpenAPI schema (used to generate the SPA's typed client)."""
    from sqlalchemy.engine import make_url

    from bitnexus.app import create_app

    settings = get_settings()
    placeholder = make_url("postgresql+psycopg://unused@localhost/unused")
    app = create_app(settings, DatabaseUrls(owner=placeholder, app=placeholder))
    json.dump(app.openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


ledger_cli = typer.Typer(help="The verifiable ledger: seal checkpoints, verify everything.")
cli.add_typer(ledger_cli, name="ledger")
ledger_cli.command("rotate-key")(rotate_key)  # docs/ledger.md


def _tenant_slugs(urls: DatabaseUrls, only: str | None) -> list[tuple[object, str]]:
    """Every tenant (id, slug), read as the owner: the runtime role only ever sees its own."""
    from sqlalchemy import create_engine, text

    engine = create_engine(urls.owner)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, slug FROM tenants WHERE CAST(:s AS text) IS NULL OR slug = :s "
                    "ORDER BY slug"
                ),
                {"s": only},
            ).all()
    finally:
        engine.dispose()
    return [(r.id, r.slug) for r in rows]


cli.add_typer(backup_cli, name="backup")  # and `restore`: docs/backup.md
cli.command("restore")(restore)

search_cli = typer.Typer(help="Product search: embeddings for semantic matching.")
cli.add_typer(search_cli, name="search")


@search_cli.command("reindex")
def search_reindex(
    tenant: Annotated[str | None, typer.Option(help="Tenant slug (default: every tenant).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Embed every product again, changed or not.")
    ] = False,
) -> None:
    """Embed the products whose text changed since they were embedded (all with --force)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from bitnexus.search import embedder, jobs

    settings = _setup()
    urls = _urls(settings, migrate=True)
    targets = _tenant_slugs(urls, tenant)
    if tenant and not targets:
        raise _fail(f"no tenant {tenant!r}")
    model = embedder.shared(settings.embed_threads, settings.embed_spin_ms / 1000)

    async def go(db: Database) -> list[str]:
        out: list[str] = []
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeRemainingColumn(), console=console) as bar:
            for tenant_id, slug in targets:
                assert isinstance(tenant_id, uuid.UUID)
                total = await jobs.pending(db, tenant_id, force=force)
                task = bar.add_task(f"embedding {slug}", total=total)
                done = await jobs.index_tenant(
                    db,
                    model,
                    tenant_id,
                    batch=settings.search_index_batch,
                    force=force,
                    progress=lambda n, task=task: bar.advance(task, n),  # type: ignore[misc]
                )
                out.append(f"{slug}: {done} products embedded")
        return out

    for line in asyncio.run(_with_db(urls, go)):
        console.print(line)


@ledger_cli.command("seal")
def ledger_seal(
    tenant: Annotated[str | None, typer.Option(help="Tenant slug (default: every tenant).")] = None,
    resume: Annotated[bool, typer.Option(help="Lift a halt put by a ledger alarm.")] = False,
) -> None:
    """Integrate new transactions and sign a checkpoint, per tenant (exit 1 if one is halted)."""
    from bitnexus.ledger import jobs, tree

    settings = _setup()
    urls = _urls(settings, migrate=True)
    targets = _tenant_slugs(urls, tenant)
    if tenant and not targets:
        raise _fail(f"no tenant {tenant!r}")

    async def go(db: Database) -> list[str]:
        out: list[str] = []
        for tenant_id, slug in targets:
            assert isinstance(tenant_id, uuid.UUID)
            try:
                size, block = await jobs.seal_tenant(db, settings, tenant_id, slug, resume=resume)
            except (tree.SealingHalted, tree.InconsistentLog) as halted:
                out.append(f"[red]{slug}: not signed, sealing halted ({halted})[/]: see its alarms")
                continue
            made = f"block {block.height}" if block else "no new block"
            out.append(f"{slug}: {size} leaves, {made}")
        return out

    console.print("\n".join(lines := asyncio.run(_with_db(urls, go))))
    if any("sealing halted" in line for line in lines):
        raise typer.Exit(code=1)


@ledger_cli.command("verify")
def ledger_verify(
    tenant: Annotated[str | None, typer.Option(help="Tenant slug (default: every tenant).")] = None,
) -> None:
    """Recompute every leaf, node, root, signature, chain link and balance; name bad rows."""
    from bitnexus.ledger.report import verify_and_print

    settings = _setup()
    reports = verify_and_print(_urls(settings, migrate=False).owner, settings, tenant, console)
    if tenant and not reports:
        raise _fail(f"no tenant {tenant!r}")
    if not all(r.ok for r in reports):
        raise typer.Exit(code=1)


@ledger_cli.command("witness")
def ledger_witness(
    data_dir: Annotated[Path, typer.Option(help="The witness's own directory (key, state).")],
    name: Annotated[str, typer.Option(help="Witness name, e.g. witness.example.org/w1.")],
    log: Annotated[list[str], typer.Option(help="Verifier key of a log to witness (repeatable).")],
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8100,
    mirror: Annotated[
        str | None,
        typer.Option(
            help="Also mirror the log served at this URL: copy and re-verify every entry. "
            "Its API key (scope ledger:read) is read from $BITNEXUS_MIRROR_KEY."
        ),
    ] = None,
    tiles: Annotated[
        str | None,
        typer.Option(
            help="Mirror: follow the log's public tlog-tiles at this prefix (…/ledger/log/: "
            "checkpoint and entry bundles) instead of the private mirror API."
        ),
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between mirror passes.")] = 30.0,
    once: Annotated[
        bool, typer.Option(help="Mirror: one pass, then exit (1 on an alarm); no server.")
    ] = False,
    recheck: Annotated[
        bool, typer.Option(help="Mirror: also re-fetch and compare every entry already copied.")
    ] = False,
) -> None:
    """Run a C2SP tlog-witness that cosigns checkpoints of the given logs (its own process),
    optionally mirroring one of them."""
    import threading

    import httpx
    import uvicorn

    from bitnexus.ledger import mirror as mirroring
    from bitnexus.ledger import note
    from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key

    settings = _setup()
    try:
        logs = [note.parse_verifier(v) for v in log]
        signer = load_or_create_key(data_dir, name)
    except (note.NoteError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if (once or tiles) and not mirror:
        raise _fail("--once and --tiles need --mirror")
    api_key = os.environ.get("BITNEXUS_MIRROR_KEY", "")
    if mirror and not api_key:
        raise _fail("--mirror needs an API key with scope ledger:read in $BITNEXUS_MIRROR_KEY")
    with mirroring.opened(data_dir) as store:
        mirrored = (
            mirroring.Mirror(mirror, api_key, logs, store, name, tiles_prefix=tiles)
            if mirror
            else None
        )
        if mirrored is not None and once:
            try:
                result = mirrored.run_once(recheck=recheck)
            except httpx.HTTPError as exc:
                raise _fail(f"the log at {mirror} did not answer: {exc}") from exc
            if result.alarm is not None:
                console.print(f"[red]ALARM[/] {result.alarm.kind}: {result.alarm.detail}")
                raise typer.Exit(code=1)
            console.print(
                f"mirror ok: {result.size} entries verified "
                f"({result.new_entries} new, {result.rechecked} rechecked)"
            )
            return
        witness = Witness(signer, logs, WitnessState(data_dir / "state.json"))
        console.print(f"witness key: [bold]{signer.verifier}[/]")
        console.print(f"witnessing {len(logs)} log(s) at http://{host}:{port}/add-checkpoint")
        console.print(f"checkpoints that fork a log are kept in {witness.state.evidence_dir}")
        stopping = threading.Event()
        if mirrored is not None:
            console.print(f"mirroring {mirror} every {interval:g}s; status at /mirror")
            threading.Thread(
                target=mirrored.run_forever, args=(interval, stopping.is_set), daemon=True
            ).start()
        try:
            uvicorn.run(
                witness.app(mirroring.routes(store) if mirrored else None),
                host=host,
                port=port,
                log_config=None,
                log_level=settings.log_level.lower(),
            )
        finally:
            stopping.set()


def main() -> None:
    cli()
