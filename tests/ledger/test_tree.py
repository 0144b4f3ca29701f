"""Integrating transactions into the stored tree and sealing signed, chained checkpoints."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import merkle, note, signing, tree
from tests.events import announced
from tests.ledger.support import log_identity, sell, two_account_tenant


async def _tenant_with_sales(db: Database, n: int) -> tuple[uuid.UUID, str]:
    tid, slug = await two_account_tenant(db, "tree")
    await sell(db, tid, range(n))
    return tid, slug


async def _leaves(db: Database, tid: uuid.UUID) -> list[bytes]:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        rows = await s.execute(text("SELECT leaf FROM ledger_transactions ORDER BY seq"))
        return [r[0] for r in rows]


async def test_integrate_seal_and_prove(db: Database, settings: Settings) -> None:
    tid, slug = await _tenant_with_sales(db, 13)
    identity = await log_identity(db, settings, tid, slug)

    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        assert await tree.integrate(s, tid, batch=5) == 5  # batches continue where they stopped
        assert await tree.integrate(s, tid) == 13
        first = await tree.seal(s, tid, identity)
        assert await tree.seal(s, tid, identity) is None  # nothing new, nothing signed
    reference = merkle.MemoryTree()
    for leaf in await _leaves(db, tid):
        reference.append(leaf)
    assert first is not None
    assert first.root_hash == reference.root()
    opened = note.verify(first.checkpoint, identity.signer.verifier)
    cp = note.parse_checkpoint(opened.text)
    assert (cp.origin, cp.size, cp.root_hash) == (
        identity.origin,
        13,
        reference.root(),
    )

    await sell(db, tid, range(13, 21))
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
    for leaf in (await _leaves(db, tid))[13:]:
        reference.append(leaf)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        second = await tree.seal(s, tid, identity)
        assert second is not None
        proofs = {i: await tree.inclusion_proof(s, i, 21) for i in (0, 7, 12, 20)}
        cproof = await tree.consistency_proof(s, 13, 21)
    assert proofs == {i: reference.inclusion_proof(i, 21) for i in proofs}
    assert second.prev_hash == first.block_hash
    assert second.height == first.height + 1
    merkle.verify_consistency(13, 21, first.root_hash, second.root_hash, cproof)


async def test_the_log_refuses_to_sign_a_rewritten_history(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    tid, slug = await _tenant_with_sales(db, 6)
    identity = await log_identity(db, settings, tid, slug)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
        assert await tree.seal(s, tid, identity) is not None
    # the owner (bypassing the append-only trigger) rewrites a subtree that the next head builds on
    # (leaves 4-5, on the right edge of the 6-leaf tree)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger_tree_nodes SET hash = sha256(hash) WHERE tenant_id = :t AND level = 1 AND index = 2"
            ),
            {"t": tid},
        )
    await sell(db, tid, range(6, 9))
    with pytest.raises(tree.InconsistentLog):
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await tree.integrate(s, tid)
            await tree.seal(s, tid, identity)


async def test_an_empty_log_seals_a_genesis_block(db: Database, settings: Settings) -> None:
    tid, slug = await _tenant_with_sales(db, 0)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        genesis = await tree.seal(s, tid, await signing.identity_for(s, settings, tid, slug))
    assert genesis is not None
    assert (genesis.height, genesis.tree_size, genesis.root_hash) == (0, 0, merkle.EMPTY_ROOT)
    assert genesis.prev_hash == tree.GENESIS_PREV_HASH


async def test_each_integrated_transaction_is_announced_with_its_sequence_number(
    db: Database, owner_engine: Engine
) -> None:
    # given three sales posted
    tid, _ = await _tenant_with_sales(db, 3)
    assert announced(owner_engine, str(tid), "ledger.transaction") == []

    # when they are integrated into the tree
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
        ids = [
            str(r[0])
            for r in await s.execute(text("SELECT id FROM ledger_transactions ORDER BY seq"))
        ]

    # then each is announced once, in sequence, to whoever follows the ledger
    told = announced(owner_engine, str(tid), "ledger.transaction")
    assert [(e["data"]["seq"], e["data"]["transaction_id"]) for e in told] == list(enumerate(ids))
    assert {tuple(e["topics"]) for e in told} == {(f"ledger:{tid}",)}


async def test_a_sealed_block_is_announced_on_the_ledger_topic(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given integrated transactions
    tid, slug = await _tenant_with_sales(db, 3)
    identity = await log_identity(db, settings, tid, slug)

    # when the tree is sealed
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
        block = await tree.seal(s, tid, identity)
    assert block is not None

    # then the checkpoint is announced to whoever follows the ledger
    [sealed] = announced(owner_engine, str(tid), "ledger.checkpoint")
    assert sealed["topics"] == [f"ledger:{tid}"]
    assert (sealed["data"]["height"], sealed["data"]["tree_size"]) == (block.height, 3)
    assert sealed["data"]["root_hash"] == block.root_hash.hex()
    assert sealed["data"]["checkpoint"] == block.checkpoint
