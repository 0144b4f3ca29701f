"""Helpers of the signing-key tests: published keys, receipts, rotations, stored checkpoints."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import explorer, note, signing
from bitnexus.ledger.verify import verify
from tests.conftest import ClientFactory


async def published_keys_of(client: ClientFactory, slug: str) -> list[str]:
    r = await client().get(f"/api/v1/public/tenants/{slug}/ledger/verifier-key")
    assert r.status_code == 200, r.text
    return r.text.splitlines()


async def receipt_of(db: Database, tid: uuid.UUID, seq: int) -> str:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        txn = (
            await s.execute(text("SELECT id FROM ledger_transactions WHERE seq = :q"), {"q": seq})
        ).scalar_one()
        return await explorer.receipt(s, txn, None)


async def rotate(db: Database, settings: Settings, tid: uuid.UUID, slug: str) -> signing.Rotation:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await signing.rotate(s, settings, tid, slug)


def checkpoints(owner_engine: Engine, tid: uuid.UUID) -> list[str]:
    with owner_engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT checkpoint FROM ledger_blocks WHERE tenant_id = :t ORDER BY height"),
                {"t": tid},
            ).scalars()
        )


def verify_problems(owner_engine: Engine, settings: Settings, slug: str) -> list[str]:
    with owner_engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    return report.problems


def signed_by(checkpoint: str, vkey: str) -> bool:
    try:
        note.verify(checkpoint, note.parse_verifier(vkey))
    except note.NoteError:
        return False
    return True
