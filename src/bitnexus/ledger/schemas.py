"""Shapes of the ledger API. Hashes are base64 (as in checkpoints), block links hex."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from bitnexus.core.schemas import OutputModel


class PostingRead(OutputModel):
    account: str
    amount: int
    currency: str


class TransactionRead(OutputModel):
    id: uuid.UUID
    seq: int
    idempotency_key: str
    description: str
    metadata: dict[str, Any]
    reverses_id: uuid.UUID | None
    created_at: dt.datetime
    leaf: str
    leaf_index: int
    postings: list[PostingRead]


class TransactionSummary(OutputModel):
    id: uuid.UUID
    seq: int
    description: str
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
    kind: str
    currency: str
    balance: int
    owner_user_id: uuid.UUID | None


class StatementLine(OutputModel):
    seq: int
    transaction_id: uuid.UUID
    created_at: dt.datetime
    description: str
    amount: int
    balance: int


class StatementPage(OutputModel):
    account: AccountRead
    items: list[StatementLine]
    next_cursor: str | None
