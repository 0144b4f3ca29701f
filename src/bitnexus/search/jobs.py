"""The indexer: embeds products whose text (title, description, category, tags) changed since
they were last embedded, in batches, tenant by tenant.

It runs inside the server process every `BITNEXUS_SEARCH_INDEX_SECONDS`. A batch is read in
one transaction, embedded outside any (the model takes about a second a batch on one core),
and written in another with the hash of the text it was computed from: a product edited
meanwhile keeps a stale hash and is embedded again on the next pass. Several processes may
run it; at worst two embed the same batch."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import structlog

from bitnexus.catalog import service as catalog
from bitnexus.core import periodic
from bitnexus.core.db import Database, set_tenant
from bitnexus.search import repository
from bitnexus.search.embedder import Embedder

log = structlog.get_logger(__name__)
Progress = Callable[[int], None]


async def pending(db: Database, tenant_id: uuid.UUID, *, force: bool = False) -> int:
    """How many of the tenant's products a pass would embed."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        return await repository.count_stale(session, catalog.search_texts(), force=force)


async def index_tenant(
    db: Database,
    embedder: Embedder,
    tenant_id: uuid.UUID,
    *,
    batch: int = 64,
    force: bool = False,
    progress: Progress | None = None,
) -> int:
    """Embed the tenant's changed products (`force`: all of them); returns how many."""
    done = 0
    after: uuid.UUID | None = None
    while True:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            rows = await repository.stale(
                session, catalog.search_texts(), limit=batch, after=after, force=force
            )
        if not rows:
            return done
        vectors = await embedder.encode([r.text for r in rows])
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await repository.save(session, tenant_id, rows, vectors)
        done += len(rows)
        after = rows[-1].product_id
        if progress is not None:
            progress(len(rows))


async def index_all(db: Database, embedder: Embedder, *, batch: int = 64) -> int:
    """One pass over every tenant with changed products; returns how many were embedded."""
    async with db.sessionmaker() as session, session.begin():
        tenants = await repository.tenants_due(session)
    total = 0
    for tenant_id in tenants:
        total += await index_tenant(db, embedder, tenant_id, batch=batch)
    if total:
        log.info("search.indexed", products=total)
    return total


async def run_indexer(db: Database, embedder: Embedder, every_seconds: float, batch: int) -> None:
    await periodic.every(
        "search_indexer",
        every_seconds,
        lambda: index_all(db, embedder, batch=batch),
        failed="search.index_failed",
    )
