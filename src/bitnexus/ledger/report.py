"""`bitnexus ledger verify` as a step other commands run too (`bitnexus restore`): verify every
tenant's ledger (or one), print a line per tenant and its first problems, return the reports."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from bitnexus.core.config import Settings
from bitnexus.ledger.verify import Report, verify

SHOWN_PROBLEMS = 20


def verify_and_print(
    owner_url: URL, settings: Settings, tenant: str | None, console: Console
) -> list[Report]:
    """Recompute every leaf, node, root, signature, chain link and balance; print what failed."""
    engine = create_engine(owner_url)
    try:
        with Progress(console=console, transient=True) as bar, engine.connect() as conn:
            tasks: dict[str, object] = {}

            def tick(what: str, n: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(f"checking {what}", total=None)
                bar.advance(tasks[what], n)  # type: ignore[arg-type]

            reports = verify(conn, settings, tenant, tick)
    finally:
        engine.dispose()
    for r in reports:
        status = "[green]ok[/]" if r.ok else f"[red]{len(r.problems)} problem(s)[/]"
        counts = f"{r.transactions} transactions, {r.nodes} nodes, {r.blocks} blocks"
        if r.unsequenced:
            counts += f" ({r.unsequenced} more waiting for a sequence number)"
        console.print(f"{r.tenant_slug}: {counts}: {status}")
        for problem in r.problems[:SHOWN_PROBLEMS]:
            console.print(f"  [red]✗[/] {problem}")
    return reports
