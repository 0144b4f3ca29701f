"""`bitnexus ledger rotate-key --tenant SLUG`: give an organisation a new signing key (an
operator's action, docs/ledger.md "Signing keys and origins").

Exit codes: 0 rotated, 1 refused (the organisation's sealing is halted, or its current key's
secret is unavailable), 2 bad input (no such organisation).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bitnexus.core.config import Settings, get_settings
from bitnexus.core.logging import configure_logging

if TYPE_CHECKING:
    from bitnexus.core.db import Database
    from bitnexus.ledger.signing import Rotation

console = Console(stderr=True, width=120)


async def _rotate(db: Database, settings: Settings, slug: str) -> Rotation:
    from bitnexus.ledger import signing
    from bitnexus.tenants import service as tenants

    async with db.sessionmaker() as session, session.begin():
        tenant = await tenants.enter_by_slug(session, slug, allow_suspended=True)
        return await signing.rotate(session, settings, tenant.id, tenant.slug)


def rotate_key(
    tenant: Annotated[str, typer.Option(help="Slug of the organisation whose key to rotate.")],
) -> None:
    """Give an organisation a new signing key: the change is recorded in its log, a handover
    checkpoint is signed by the old and the new key, and the old key stays published."""
    # the database and ledger modules load only when the command runs (the CLI starts fast)
    from bitnexus.core import provision
    from bitnexus.core.db import Database
    from bitnexus.ledger import keys, tree
    from bitnexus.tenants.errors import TenantNotFound

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        urls = provision.migrate(settings)
    except provision.DatabaseNotSuitable as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from exc

    async def go() -> Rotation:
        db = Database(urls.app_direct, pool_size=1)
        try:
            return await _rotate(db, settings, tenant.lower())
        finally:
            await db.dispose()

    try:
        done = asyncio.run(go())
    except TenantNotFound as exc:
        console.print(f"[bold red]error:[/] no organisation {tenant!r} ({exc.detail})")
        raise typer.Exit(code=2) from exc
    except (tree.SealingHalted, tree.InconsistentLog) as exc:
        console.print(
            f"[bold red]refused:[/] {tenant}: sealing is halted ({exc}); resolve its alarm and "
            "`bitnexus ledger seal --resume` before rotating its key"
        )
        raise typer.Exit(code=1) from exc
    except keys.KeyUnavailable as exc:
        console.print(f"[bold red]refused:[/] {tenant}: {exc}")
        raise typer.Exit(code=1) from exc
    console.print(f"{tenant}: signing key version {done.version} is current")
    console.print(f"  old key (retired, still published): {done.old_key}")
    console.print(f"  new key: {done.new_key}")
    console.print(
        f"  key change recorded in the log; handover checkpoint at block {done.block.height} "
        f"(tree size {done.block.tree_size}) is signed by both keys"
    )
    console.print("  add the new key to every witness and mirror that follows this log (--log)")
