"""The sealer: sequence, integrate and seal each tenant's new transactions, off the write path.

It runs inside the server process (every process may run one: the tree-state row lock lets
only one seal a tenant at a time, and a sealer that finds nothing new signs nothing).
"""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import structlog
from sqlalchemy import text

from bitnexus.core import periodic
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.metrics.families import WITNESS_FAILURES
from bitnexus.ledger import integrity, keys, repository, signing, tree, witnessing
from bitnexus.ledger.models import LedgerBlock

log = structlog.get_logger(__name__)


async def seal_due(
    db: Database, settings: Settings, *, now: dt.datetime | None = None
) -> list[tuple[uuid.UUID, str]]:
    """Sequence and integrate every tenant's new transactions, and seal those whose unsealed
    transactions are many or old enough; returns the tenants sealed."""
    now = now or utcnow()
    wait = dt.timedelta(seconds=settings.ledger_seal_seconds)
    async with db.sessionmaker() as session, session.begin():
        queue = (await session.execute(text("SELECT * FROM bitnexus_ledger_sealing_queue()"))).all()
    sealed: list[tuple[uuid.UUID, str]] = []
    for row in queue:
        due = row.pending >= settings.ledger_seal_leaves or row.oldest_pending <= now - wait
        if not due and not row.unsequenced:
            continue
        try:
            size, block = await seal_tenant(db, settings, row.tenant_id, row.slug, due=due)
        except (tree.InconsistentLog, tree.SealingHalted):
            continue  # halted, with its alarm: the other tenants keep sealing
        except keys.KeyUnavailable as missing:
            log.error("ledger.signing_key_unavailable", tenant=row.slug, problem=str(missing))
            continue
        if block is not None:
            sealed.append((row.tenant_id, row.slug))
            log.info("ledger.sealed", tenant=row.slug, height=block.height, tree_size=size)
    return sealed


async def seal_tenant(
    db: Database,
    settings: Settings,
    tenant_id: uuid.UUID,
    slug: str,
    *,
    due: bool = True,
    resume: bool = False,
) -> tuple[int, LedgerBlock | None]:
    """Integrate a tenant's new transactions and, when `due`, seal them: (tree size, new block).

    A log found tampered with is never signed: its alarm is recorded, the tenant's sealing is
    halted until an operator resumes it, and `InconsistentLog` is raised on. A halted tenant
    raises `SealingHalted`, unless `resume` (an operator's decision) lifts the halt: the checks
    run again first, and a log still tampered with stays halted (no second alarm).
    """
    try:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            if resume:
                await integrity.resume(session, tenant_id)
            size = await tree.integrate(session, tenant_id)
            identity = await signing.identity_for(session, settings, tenant_id, slug)
            return size, await tree.seal(session, tenant_id, identity) if due else None
    except tree.InconsistentLog as problem:
        log.critical("ledger.inconsistent_log", tenant=slug, problem=problem.detail)
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await integrity.halt(session, tenant_id, problem)
        raise


async def witness_round(
    db: Database,
    waiting: dict[uuid.UUID, str],
    witnesses: list[witnessing.WitnessConfig],
    client: httpx.AsyncClient,
    backoff: witnessing.Backoff,
) -> None:
    """Push the latest block of each waiting tenant to the witnesses missing from it."""
    for tenant_id in list(waiting):
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await witnessing.push_latest(session, tenant_id, witnesses, client, backoff)
            latest = await repository.latest_block(session)
            have = (
                {c.witness for c in await witnessing.cosignatures_of(session, latest.height)}
                if latest
                else set()
            )
        if all(w.verifier.name in have for w in witnesses):
            waiting.pop(tenant_id)


async def signed_tenants(db: Database) -> dict[uuid.UUID, str]:
    async with db.sessionmaker() as session, session.begin():
        rows = await session.execute(text("SELECT * FROM bitnexus_ledger_signed_tenants()"))
        return {r.tenant_id: r.slug for r in rows}


async def run_sealer(db: Database, settings: Settings) -> None:
    """Seal due tenants and collect witness cosignatures until cancelled; failures are logged
    and retried (a witness that is down backs off on its own, sealing goes on)."""
    interval = min(1.0, settings.ledger_seal_seconds)
    witnesses = witnessing.parse_witnesses(settings.witnesses)
    backoff = witnessing.Backoff()
    waiting: dict[uuid.UUID, str] = {}
    seeded = not witnesses
    for w in witnesses:  # each witness's failures counted from 0
        WITNESS_FAILURES.labels(w.verifier.name)
    async with httpx.AsyncClient() as client:

        async def one_pass() -> None:
            nonlocal seeded
            if not seeded:
                # a witness added since the last start cosigns every current block at once
                waiting.update(await signed_tenants(db))
                seeded = True
            for tenant_id, slug in await seal_due(db, settings):
                waiting[tenant_id] = slug
            if witnesses and waiting:
                await witness_round(db, waiting, witnesses, client, backoff)

        await periodic.every("ledger_sealer", interval, one_pass, failed="ledger.sealer_failed")
