"""The Merkle log behind the ledger: integrating transactions into stored subtrees (off the write
path) and sealing signed, hash-chained checkpoints ("blocks")."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import utcnow
from bitnexus.core.outbox import NewEvent, emit, ledger_topic
from bitnexus.ledger import integrity, leaf, merkle, note, repository
from bitnexus.ledger.integrity import InconsistentLog as InconsistentLog  # raised here
from bitnexus.ledger.integrity import SealingHalted as SealingHalted
from bitnexus.ledger.models import (
    AlarmKind,
    LedgerBlock,
    LedgerTransaction,
    LedgerTreeNode,
    LedgerTreeState,
)
from bitnexus.ledger.repository import latest_block

GENESIS_PREV_HASH = bytes(32)
T = TypeVar("T")


async def _fetch(
    session: AsyncSession, addresses: set[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    if not addresses:
        return {}
    rows = await session.execute(
        select(LedgerTreeNode.level, LedgerTreeNode.index, LedgerTreeNode.hash).where(
            tuple_(LedgerTreeNode.level, LedgerTreeNode.index).in_(sorted(addresses))
        )
    )
    return {(level, index): digest for level, index, digest in rows}


async def run_on_stored_nodes(
    session: AsyncSession, compute: Callable[[merkle.NodeReader], T]
) -> T:
    """Run a pure Merkle computation against the stored nodes, fetched in one query."""
    nodes = await _fetch(session, merkle.addresses_read_by(compute))
    return compute(lambda level, index: nodes[(level, index)])


async def _lock_state(
    session: AsyncSession, tenant_id: uuid.UUID, *, refuse_halted: bool = True
) -> LedgerTreeState:
    """The tenant's tree state, locked; `SealingHalted` while an alarm stops its sealing
    (unless not `refuse_halted`)."""
    await session.execute(
        insert(LedgerTreeState).values(tenant_id=tenant_id, size=0).on_conflict_do_nothing()
    )
    state = (
        await session.execute(
            select(LedgerTreeState).where(LedgerTreeState.tenant_id == tenant_id).with_for_update()
        )
    ).scalar_one()
    if refuse_halted and state.halted_at is not None:
        raise SealingHalted(f"sealing halted since {state.halted_at.isoformat()}")
    return state


lock_state = _lock_state


async def integrate(session: AsyncSession, tenant_id: uuid.UUID, *, batch: int = 5000) -> int:
    """Sequence the committed transactions that wait for it, and add them to the tree.

    One integrator per tenant at a time (the tree-state row lock): it numbers transactions
    gaplessly in the order they were accepted, writes their leaves and rolls their postings into
    the balances, then appends the leaves to the stored tree. Returns the tree size.
    """
    state = await _lock_state(session, tenant_id)
    await _sequence(session, tenant_id, state.size, batch)
    rows = (
        await session.execute(
            select(LedgerTransaction.seq, LedgerTransaction.leaf)
            .where(LedgerTransaction.seq >= state.size)
            .order_by(LedgerTransaction.seq)
            .limit(batch)
        )
    ).all()
    if not rows:
        return state.size
    nodes = await _fetch(session, set(merkle.frontier(state.size)))
    new: list[dict[str, object]] = []
    size = state.size
    for seq, data in rows:
        if seq != size or data is None:  # sequenced rows are gapless: a gap is tampering
            raise InconsistentLog(
                AlarmKind.missing_entry,
                f"transaction {size} is missing from the log (found {seq} next)",
                tree_size=size,
                entry_index=size,
            )
        for level, index, digest in merkle.nodes_completed_by(
            size, merkle.leaf_hash(data), lambda lv, ix: nodes[(lv, ix)]
        ):
            nodes[(level, index)] = digest
            new.append({"tenant_id": tenant_id, "level": level, "index": index, "hash": digest})
        size += 1
    if new:
        await session.execute(insert(LedgerTreeNode), new)
    state.size = size
    await session.flush()
    return size


async def _sequence(
    session: AsyncSession, tenant_id: uuid.UUID, tree_size: int, batch: int
) -> None:
    pending = await repository.unsequenced(session, batch)
    if not pending:
        return
    first = await repository.next_seq(session)
    if first < tree_size:
        # The tree holds leaves whose transactions are gone: someone deleted the newest rows.
        # Numbering on from `first` would reuse numbers the tree (and signed checkpoints) hold,
        # and numbering from the tree's size would hide the deletion: refuse, and say so.
        raise InconsistentLog(
            AlarmKind.tail_deleted,
            f"transactions {first}…{tree_size - 1} are in the tree but gone from the log",
            tree_size=tree_size,
            entry_index=first,
        )
    postings = await repository.postings_with_codes(session, [t.id for t in pending])
    leaves = [
        leaf.leaf_bytes(
            tenant=tenant_id,
            transaction_id=t.id,
            seq=first + i,
            key=t.idempotency_key,
            at=t.created_at,
            content=leaf.request_content(
                postings.get(t.id, []), t.description, t.metadata_, t.reverses_id
            ),
        )
        for i, t in enumerate(pending)
    ]
    await repository.sequence(session, first, [t.id for t in pending], leaves)
    topics = [ledger_topic(tenant_id)]
    await emit(
        session,
        *(
            NewEvent(
                tenant_id,
                "ledger.transaction",
                {
                    "transaction_id": t.id,
                    "seq": first + i,
                    "description": t.description,
                    "reverses_id": t.reverses_id,
                    "created_at": t.created_at,
                },
                topics,
            )
            for i, t in enumerate(pending)
        ),
    )


def block_hash(
    height: int, prev_hash: bytes, tree_size: int, root_hash: bytes, checkpoint: str
) -> bytes:
    return hashlib.sha256(
        leaf.canonical(
            {
                "height": height,
                "prev": prev_hash.hex(),
                "size": tree_size,
                "root": root_hash.hex(),
                "checkpoint": checkpoint,
            }
        )
    ).digest()


@dataclass(frozen=True)
class LogIdentity:
    """Who signs a tenant's checkpoints: the origin line doubles as the key name. Normally
    one key; a key change's handover checkpoint carries the new key's and the old key's."""

    origin: str
    signers: tuple[note.Signer, ...]

    @property
    def signer(self) -> note.Signer:
        """The current key (the first)."""
        return self.signers[0]


async def seal(
    session: AsyncSession, tenant_id: uuid.UUID, identity: LogIdentity
) -> LedgerBlock | None:
    """Sign the integrated tree as the next block, if it grew (the first block may be empty).

    Before signing, the range it adds is checked against its transactions (leaves and stored
    nodes recomputed: `integrity.check_range`) and the new head is proven consistent with the
    last signed one: the log never signs what it was not given, nor two views of history that
    contradict each other.
    """
    state = await _lock_state(session, tenant_id)
    last = await latest_block(session)
    size = state.size
    if last is not None and last.tree_size == size:
        return None
    await integrity.check_range(session, tenant_id, 0 if last is None else last.tree_size, size)
    root = await run_on_stored_nodes(session, lambda read: merkle.root_hash(size, read))
    if last is not None:
        old_size, old_root = last.tree_size, last.root_hash
        proof = await run_on_stored_nodes(
            session, lambda read: merkle.consistency_proof(old_size, size, read)
        )
        try:
            merkle.verify_consistency(old_size, size, old_root, root, proof)
        except merkle.ProofError as exc:
            raise InconsistentLog(
                AlarmKind.fork,
                f"the tree at {size} does not extend block {last.height}",
                tree_size=size,
            ) from exc
    height = 0 if last is None else last.height + 1
    prev = GENESIS_PREV_HASH if last is None else last.block_hash
    checkpoint = note.sign(note.Checkpoint(identity.origin, size, root).body(), *identity.signers)
    block = LedgerBlock(
        tenant_id=tenant_id,
        height=height,
        prev_hash=prev,
        tree_size=size,
        root_hash=root,
        checkpoint=checkpoint,
        block_hash=block_hash(height, prev, size, root, checkpoint),
        created_at=utcnow(),
    )
    session.add(block)
    await session.flush()
    sealed = {
        "height": height,
        "tree_size": size,
        "root_hash": root.hex(),
        "block_hash": block.block_hash.hex(),
        "checkpoint": checkpoint,
    }
    topics = [ledger_topic(tenant_id)]
    await emit(session, NewEvent(tenant_id, "ledger.checkpoint", sealed, topics))
    return block


async def inclusion_proof(session: AsyncSession, index: int, tree_size: int) -> list[bytes]:
    return await run_on_stored_nodes(
        session, lambda read: merkle.inclusion_proof(index, tree_size, read)
    )


async def consistency_proof(session: AsyncSession, size1: int, size2: int) -> list[bytes]:
    return await run_on_stored_nodes(
        session, lambda read: merkle.consistency_proof(size1, size2, read)
    )
