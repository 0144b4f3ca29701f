"""A witness that cosigned a log, and the same log rewritten behind its back: the scenario the
witness-refusal tests (API, alarms, browser) share."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import repository, witnessing
from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key
from tests.ledger import forgery
from tests.ledger.support import log_identity

WITNESS = "witness.example/w1"


async def start_witness(
    folder: Path, db: Database, settings: Settings, tid: uuid.UUID, slug: str, name: str = WITNESS
) -> Witness:
    """A real witness (its own key and state under `folder`) of the organisation's log."""
    log_key = (await log_identity(db, settings, tid, slug)).signer.verifier
    return Witness(load_or_create_key(folder, name), [log_key], WitnessState(folder / "state.json"))


def config_of(witness: Witness, url: str = "http://witness.test") -> witnessing.WitnessConfig:
    return witnessing.WitnessConfig(url, witness.signer.verifier)


def client_of(witness: Witness) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=witness.app()))


async def push(
    db: Database,
    tenant_id: uuid.UUID,
    configs: list[witnessing.WitnessConfig],
    client: httpx.AsyncClient,
    backoff: witnessing.Backoff | None = None,
) -> list[str]:
    """One push of the latest block, as the sealer's witness round does; who cosigned."""
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tenant_id)
        return await witnessing.push_latest(
            s, tenant_id, configs, client, backoff or witnessing.Backoff()
        )


async def latest_checkpoint(db: Database, tenant_id: uuid.UUID) -> str:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tenant_id)
        block = await repository.latest_block(s)
    assert block is not None
    return block.checkpoint


@dataclass(frozen=True)
class Refused:
    witness: Witness
    cosigned: str  # the checkpoint the witness cosigned, before the rewrite
    offered: str  # the rewritten log's next checkpoint, which it refused


async def rewritten_after_cosigning(
    db: Database,
    owner_engine: Engine,
    settings: Settings,
    tenant_id: uuid.UUID,
    slug: str,
    folder: Path,
    grow: Callable[[], Awaitable[None]],
) -> Refused:
    """Given the organisation's sealed log (two transactions or more): a real witness cosigns
    its latest checkpoint; the owner rewrites transaction 1 and re-signs every checkpoint
    (`forgery.rewrite_log`); `grow` adds and seals more; the push of that checkpoint is
    refused."""
    witness = await start_witness(folder, db, settings, tenant_id, slug)
    async with client_of(witness) as client:
        assert await push(db, tenant_id, [config_of(witness)], client) == [WITNESS]
        cosigned = await latest_checkpoint(db, tenant_id)
        log = (await log_identity(db, settings, tenant_id, slug)).signer
        forgery.rewrite_log(owner_engine, tenant_id, log, 1)
        await grow()
        assert await push(db, tenant_id, [config_of(witness)], client) == []
    return Refused(witness, cosigned, await latest_checkpoint(db, tenant_id))
