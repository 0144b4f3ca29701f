"""Receipts: a transaction's leaf, index, inclusion path and signed checkpoint in the C2SP
tlog-proof text format, verifiable offline with nothing but the log's verifier key.

The leaf data (the RFC 8785 transaction) travels base64-encoded on the `extra` line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from bitnexus.ledger import merkle, note

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class Receipt:
    leaf: bytes
    index: int
    proof: list[bytes]
    checkpoint: str  # the signed note, verbatim (with any cosignatures)

    def __str__(self) -> str:
        lines = [HEADER, "extra " + base64.b64encode(self.leaf).decode(), f"index {self.index}"]
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def parse(text: str) -> Receipt:
    head, sep, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines or lines[0] != HEADER:
        raise note.NoteError("not a c2sp.org/tlog-proof@v1 receipt")
    try:
        if len(lines) < 3 or not lines[1].startswith("extra ") or not lines[2].startswith("index "):
            raise note.NoteError("a receipt carries the leaf on an extra line, then the index")
        leaf = base64.b64decode(lines[1][6:], validate=True)
        index_text = lines[2][6:]
        if not index_text.isdigit() or (index_text != "0" and index_text.startswith("0")):
            raise note.NoteError("invalid index")
        proof = [base64.b64decode(line, validate=True) for line in lines[3:]]
    except (binascii.Error, ValueError) as exc:
        raise note.NoteError(f"malformed receipt: {exc}") from exc
    return Receipt(leaf, int(index_text), proof, checkpoint)


def verify(
    text: str, verifiers: note.Verifier | Sequence[note.Verifier]
) -> tuple[Receipt, note.Checkpoint]:
    """Check the checkpoint's signature (by any of the log's published keys) and that the leaf
    is in the tree it signs."""
    receipt = parse(text)
    keys = [verifiers] if isinstance(verifiers, note.Verifier) else list(verifiers)
    opened, signed = note.verify_any(receipt.checkpoint, keys)
    checkpoint = note.parse_checkpoint(opened.text)
    if checkpoint.origin != signed[0].name:
        raise note.NoteError("the checkpoint is for another log")
    try:
        merkle.verify_inclusion(
            receipt.index,
            checkpoint.size,
            merkle.leaf_hash(receipt.leaf),
            receipt.proof,
            checkpoint.root_hash,
        )
    except merkle.ProofError as exc:
        raise note.NoteError(f"the transaction is not in the signed tree: {exc}") from exc
    return receipt, checkpoint
