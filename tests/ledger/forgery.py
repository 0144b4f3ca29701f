"""Receipts as a witness cosigns them, and as an operator holding the log's signing secret could
rewrite them: the leaf changed, the root recomputed along the same path and signed again; and
the same rewrite done to the log's database."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.ledger import leaf, merkle, note, receipt, tree
from bitnexus.ledger.models import normal_sign

WITNESS = "witness.example/w1"


def witness_signer(name: str = WITNESS) -> note.Signer:
    return note.Signer.generate(name, note.COSIGNATURE_V1)


def cosigned(text: str, witness: note.Signer, timestamp: int = 1_780_000_000) -> str:
    """`text` (a receipt) with `witness`'s genuine cosignature on its checkpoint."""
    got = receipt.parse(text)
    signed = note.parse(got.checkpoint)
    line = note.cosign(signed.text, witness, timestamp)
    checkpoint = note.Note(signed.text, [*signed.signatures, line])
    return str(dataclasses.replace(got, checkpoint=str(checkpoint)))


def rewritten(text: str, log: note.Signer, change: Callable[[bytes], bytes]) -> str:
    """The perfect forgery: the leaf changed by `change`, the tree's root recomputed from it and
    the unchanged path, the checkpoint signed again with the log's key. Every other signature
    line is copied over as it was (a witness's, made over the genuine checkpoint)."""
    got = receipt.parse(text)
    signed = note.parse(got.checkpoint)
    old = note.parse_checkpoint(signed.text)
    leaf = change(got.leaf)
    root = merkle.root_from_inclusion(got.index, old.size, merkle.leaf_hash(leaf), got.proof)
    body = dataclasses.replace(old, root_hash=root).body()
    own = note.parse(note.sign(body, log)).signatures
    others = [s for s in signed.signatures if s.name != log.name]
    return str(dataclasses.replace(got, leaf=leaf, checkpoint=str(note.Note(body, own + others))))


def with_line(text: str, line: note.Signature) -> str:
    """`text` with one more signature line on its checkpoint, made up or not."""
    got = receipt.parse(text)
    signed = note.parse(got.checkpoint)
    return str(
        dataclasses.replace(got, checkpoint=str(note.Note(signed.text, [*signed.signatures, line])))
    )


def rewrite_log(owner_engine: Engine, tenant_id: uuid.UUID, log: note.Signer, seq: int) -> None:
    """The perfect forgery, in the database: transaction `seq`'s amounts doubled, its leaf,
    request digest and balances made to match, every tree node recomputed, and every block's
    root, checkpoint (signed again with the log's key) and chain link rebuilt. `ledger verify`
    and the sealer's checks find nothing; only what a witness cosigned tells."""
    t = {"t": tenant_id}
    with owner_engine.begin() as conn:  # the owner bypasses the append-only triggers
        tx = conn.execute(
            text("SELECT * FROM ledger_transactions WHERE tenant_id = :t AND seq = :s"),
            {**t, "s": seq},
        ).one()
        postings = conn.execute(
            text(
                "SELECT a.id, a.code, a.kind, p.amount, p.currency FROM ledger_postings p"
                " JOIN ledger_accounts a ON a.tenant_id = p.tenant_id AND a.id = p.account_id"
                " WHERE p.tenant_id = :t AND p.transaction_id = :x ORDER BY p.position"
            ),
            {**t, "x": tx.id},
        ).all()
        conn.execute(
            text(
                "UPDATE ledger_postings SET amount = amount * 2"
                " WHERE tenant_id = :t AND transaction_id = :x"
            ),
            {**t, "x": tx.id},
        )
        for p in postings:
            conn.execute(
                text(
                    "UPDATE ledger_balances SET balance = balance + :d"
                    " WHERE tenant_id = :t AND account_id = :a"
                ),
                {**t, "a": p.id, "d": p.amount * normal_sign(p.kind)},
            )
        content = leaf.request_content(
            [{"account": p.code, "amount": 2 * p.amount, "currency": p.currency} for p in postings],
            tx.description,
            tx.metadata,
            tx.reverses_id,
        )
        conn.execute(
            text(
                "UPDATE ledger_transactions SET leaf = :l, request_digest = :d"
                " WHERE tenant_id = :t AND id = :x"
            ),
            {
                **t,
                "x": tx.id,
                "d": leaf.request_digest(content),
                "l": leaf.leaf_bytes(
                    tenant=tenant_id,
                    transaction_id=tx.id,
                    seq=seq,
                    key=tx.idempotency_key,
                    at=tx.created_at,
                    content=content,
                ),
            },
        )
        size = conn.execute(
            text("SELECT size FROM ledger_tree_states WHERE tenant_id = :t"), t
        ).scalar_one()
        rewritten = merkle.MemoryTree()
        for data in conn.execute(
            text(
                "SELECT leaf FROM ledger_transactions"
                " WHERE tenant_id = :t AND seq < :n ORDER BY seq"
            ),
            {**t, "n": size},
        ).scalars():
            rewritten.append(data)
        for (level, index), digest in rewritten.nodes.items():
            conn.execute(
                text(
                    "UPDATE ledger_tree_nodes SET hash = :h"
                    " WHERE tenant_id = :t AND level = :l AND index = :i"
                ),
                {**t, "l": level, "i": index, "h": digest},
            )
        prev = tree.GENESIS_PREV_HASH
        blocks = conn.execute(
            text(
                "SELECT height, tree_size FROM ledger_blocks WHERE tenant_id = :t ORDER BY height"
            ),
            t,
        ).all()
        for height, tree_size in blocks:
            root = rewritten.root(tree_size)
            checkpoint = note.sign(note.Checkpoint(log.name, tree_size, root).body(), log)
            block = tree.block_hash(height, prev, tree_size, root, checkpoint)
            conn.execute(
                text(
                    "UPDATE ledger_blocks SET root_hash = :r, checkpoint = :c, prev_hash = :p,"
                    " block_hash = :b WHERE tenant_id = :t AND height = :h"
                ),
                {**t, "h": height, "r": root, "c": checkpoint, "p": prev, "b": block},
            )
            prev = block
