"""Receipts as a witness cosigns them, and as an operator holding the log's signing secret could
rewrite them: the leaf changed, the root recomputed along the same path and signed again."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bitnexus.ledger import merkle, note, receipt

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
