"""Shapes of the ledger API. Hashes are base64 (as in checkpoints), block links hex."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import Field

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.ledger.models import AlarmKind, LedgerSigningKey
from bitnexus.ledger.words import EntryKind


def _account_name() -> Any:
    return Field(
        description='The account in words, e.g. "Ada Lovelace — commissions payable (EUR)"; '
        "another member's name is shown only to admins."
    )


def _meaning() -> Any:
    return Field(description="What this kind of entry means, in one sentence.")


def _title() -> Any:
    return Field(description="The description as screens show it (amounts in the currency).")


class PostingRead(OutputModel):
    account: str = Field(description="The account's code (what receipts and verifiers use).")
    account_name: str = _account_name()
    amount: int = Field(description="Signed minor units: debits positive, credits negative.")
    currency: str
    effect: str = Field(
        description='What it did from the reader\'s side ("You earned"; for admins the '
        'platform\'s books, "Liability up"; empty on accounts of others).'
    )


class TransactionRead(OutputModel):
    id: uuid.UUID
    seq: int | None = Field(
        description="Its place in the log; null for the moment between posting and sequencing."
    )
    idempotency_key: str
    description: str
    title: str = _title()
    kind: EntryKind
    meaning: str = _meaning()
    metadata: dict[str, Any]
    reverses_id: uuid.UUID | None
    created_at: dt.datetime
    leaf: str | None
    leaf_index: int | None
    postings: list[PostingRead]


class TransactionSummary(OutputModel):
    id: uuid.UUID
    seq: int
    description: str
    title: str = _title()
    kind: EntryKind
    meaning: str = _meaning()
    created_at: dt.datetime


class TransactionPage(OutputModel):
    items: list[TransactionSummary]
    next_cursor: str | None


class BlockRead(OutputModel):
    height: int
    tree_size: int
    root_hash: str
    prev_hash: str
    block_hash: str
    created_at: dt.datetime
    checkpoint: str


class BlockDetail(BlockRead):
    """A block with the range of transactions it sealed and its witnesses' cosignatures."""

    first_seq: int
    cosignatures: list[str]


class BlockPage(OutputModel):
    items: list[BlockRead]
    next_cursor: str | None


class InclusionProofRead(OutputModel):
    leaf_index: int
    tree_size: int
    root_hash: str
    proof: list[str]


class ConsistencyProofRead(OutputModel):
    from_size: int
    to_size: int
    proof: list[str]


class AccountRead(OutputModel):
    code: str
    name: str = _account_name()
    kind: str
    currency: str
    balance: int
    balance_label: str = Field(
        description='What the balance means to the reader: to its owner ("You are owed", '
        '"You owe"), to admins the platform\'s books ("Liability: the platform owes").'
    )
    owner_user_id: uuid.UUID | None


class StatementLine(OutputModel):
    seq: int | None = Field(description="Null while the transaction waits for its sequence number.")
    transaction_id: uuid.UUID
    created_at: dt.datetime
    description: str
    title: str = _title()
    kind: EntryKind
    meaning: str = _meaning()
    amount: int
    effect: str = Field(description="What the posting did, from the reader's side.")
    balance: int


class StatementPage(OutputModel):
    account: AccountRead
    items: list[StatementLine]
    next_cursor: str | None


class MirrorEntries(OutputModel):
    """Leaves `start`, `start + 1`, … (base64 of the RFC 8785 bytes), for mirrors."""

    start: int
    entries: list[str]


class AlarmReport(InputModel):
    reporter: str = Field(min_length=1, max_length=200)
    kind: AlarmKind
    detail: str = Field(min_length=1, max_length=2000)
    tree_size: int | None = Field(default=None, ge=0, le=2**62)
    entry_index: int | None = Field(default=None, ge=0, le=2**62)


class RefusedCheckpoint(OutputModel):
    """A block's signed checkpoint, verbatim (a signed note, with the log's signature)."""

    height: int
    tree_size: int
    checkpoint: str


class CosignedCheckpoint(RefusedCheckpoint):
    """The block the witness last cosigned, by the log's records, with its cosignature line."""

    cosignature: str
    cosignature_verifies: bool = Field(
        description="Whether the cosignature verifies over the checkpoint stored now (false: "
        "the stored checkpoint changed since the witness cosigned it)."
    )


class WitnessAnswer(OutputModel):
    status: int
    content_type: str
    body: str


class WitnessRefusal(OutputModel):
    """Evidence of a witness's refusal, kept verbatim: the checkpoint offered, the one the
    witness last cosigned (null when the log has no record of one), the request sent (`old N`,
    the consistency proof, the checkpoint) and the witness's answer."""

    witness: str
    witness_url: str
    offered: RefusedCheckpoint
    cosigned: CosignedCheckpoint | None
    request: str
    answer: WitnessAnswer


class AlarmRead(OutputModel):
    id: uuid.UUID
    reporter: str
    kind: AlarmKind
    detail: str
    tree_size: int | None
    entry_index: int | None
    created_at: dt.datetime
    evidence: WitnessRefusal | None = Field(
        default=None, description="What a witness refused, with both checkpoints; null otherwise."
    )


class SigningKeyRead(OutputModel):
    """A key that signs (current) or signed (retired) the organisation's checkpoints."""

    version: int
    key_id: str = Field(description="The signed-note key id (8 hex digits).")
    verifier_key: str = Field(description="`<origin>+<key id>+<base64 key>`, as published.")
    legacy: bool = Field(description="The installation-wide key logs had before per-org keys.")
    current: bool
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @classmethod
    def of(cls, key: LedgerSigningKey, *, current: bool) -> SigningKeyRead:
        return cls(
            version=key.version,
            key_id=key.verifier_key.split("+")[1],
            verifier_key=key.verifier_key,
            legacy=key.kind == "legacy",
            current=current,
            created_at=key.created_at,
            retired_at=key.retired_at,
        )
