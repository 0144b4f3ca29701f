"""Ledger tables. Accounts, transactions and postings are append-only (triggers + grants);
a transaction's sequence number and leaf are written once, by the integrator, and balances are
the one mutable, derived table (postings rolled up in sequence order)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class AccountKind(StrEnum):
    asset = "asset"
    liability = "liability"
    equity = "equity"
    revenue = "revenue"
    expense = "expense"


# Postings are signed: debits positive, credits negative, summing to zero per currency.
# Balances are shown on each account's normal side: assets and expenses as the sum of their
# postings, liabilities, equity and revenue as its negation (so money owed to an affiliate is
# a positive balance, and "may not go negative" means what it says for every kind).
DEBIT_NORMAL = frozenset({AccountKind.asset, AccountKind.expense})


def normal_sign(kind: str) -> int:
    return 1 if kind in DEBIT_NORMAL else -1


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint(
            "kind IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name="kind_known"
        ),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        # The user an account belongs to (an affiliate's earnings, a vendor's receivable);
        # platform accounts have none. Composite: never a user of another tenant.
        ForeignKeyConstraint(
            ["tenant_id", "owner_user_id"],
            ["users.tenant_id", "users.id"],
            name="fk_ledger_accounts_owner_user",
        ),
        Index("ix_ledger_accounts_tenant_id_owner_user_id", "tenant_id", "owner_user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    code: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    may_go_negative: Mapped[bool] = mapped_column(server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class LedgerBalance(Base):
    """Balance of one account on its normal side over its sequenced postings (the integrator
    rolls them up); an account's balance now adds the postings still waiting for a sequence."""

    __tablename__ = "ledger_balances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"], ["ledger_accounts.tenant_id", "ledger_accounts.id"]
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, server_default="0")


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "seq"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        ForeignKeyConstraint(
            ["tenant_id", "reverses_id"],
            ["ledger_transactions.tenant_id", "ledger_transactions.id"],
            name="fk_ledger_transactions_reverses",
        ),
        CheckConstraint("seq >= 0", name="seq_non_negative"),
        # The integrator fills both at once, exactly once (bitnexus_ledger_sequence).
        CheckConstraint("(seq IS NULL) = (leaf IS NULL)", name="sequenced_whole"),
        Index(
            "ix_ledger_transactions_unsequenced",
            "tenant_id",
            "created_at",
            "id",
            postgresql_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    # None until the integrator sequences the transaction (moments after it commits).
    seq: Mapped[int | None] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_digest: Mapped[bytes] = mapped_column(LargeBinary)
    leaf: Mapped[bytes | None] = mapped_column(LargeBinary)
    description: Mapped[str] = mapped_column(String(500), server_default="")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default="{}")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()


class LedgerPosting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "transaction_id"],
            ["ledger_transactions.tenant_id", "ledger_transactions.id"],
        ),
        ForeignKeyConstraint(
            ["tenant_id", "account_id"], ["ledger_accounts.tenant_id", "ledger_accounts.id"]
        ),
        CheckConstraint("amount <> 0", name="amount_non_zero"),
        Index("ix_ledger_postings_tenant_id_account_id", "tenant_id", "account_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column()
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class LedgerTreeNode(Base):
    """A complete subtree of a tenant's Merkle log: (level, index) covers 2**level leaves."""

    __tablename__ = "ledger_tree_nodes"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerTreeState(Base):
    """How many transactions (by sequence) are integrated into the tenant's tree."""

    __tablename__ = "ledger_tree_states"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # Set when the sealer found the log tampered with: nothing more is sequenced or signed for
    # the tenant until an operator resumes it (`bitnexus ledger resume`).
    halted_at: Mapped[dt.datetime | None] = mapped_column()
    # The log's origin line (and signing key name), fixed when its first block is sealed: a
    # later slug rename or settings change never renames a log.
    origin: Mapped[str | None] = mapped_column(String(300))


class LedgerSigningKey(Base):
    """A public key that signs (or signed) the tenant's checkpoints; its secret is never here
    (ledger/keys.py). The current key is the newest not retired; retired keys stay published so
    old checkpoints keep verifying."""

    __tablename__ = "ledger_signing_keys"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("kind IN ('legacy', 'tenant')", name="kind_known"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    version: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # legacy: the installation-wide key of logs signed before keys were per organisation
    kind: Mapped[str] = mapped_column(String(16))
    verifier_key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    retired_at: Mapped[dt.datetime | None] = mapped_column()


class LedgerInstallation(Base):
    """The installation's random id (one row, made by migration 0040): new origins name it, so
    two installations never share an origin (witnesses key their state by origin)."""

    __tablename__ = "ledger_installation"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class LedgerBlock(Base):
    """A sealed checkpoint: the signed tree head at a size, chained to the previous block."""

    __tablename__ = "ledger_blocks"
    __table_args__ = (CheckConstraint("tree_size >= 0", name="tree_size_non_negative"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    height: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    checkpoint: Mapped[str] = mapped_column(String(4000))
    block_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column()


class LedgerCosignature(Base):
    """A witness's cosignature/v1 line on one block's checkpoint."""

    __tablename__ = "ledger_cosignatures"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "height"], ["ledger_blocks.tenant_id", "ledger_blocks.height"]
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    height: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class AlarmKind(StrEnum):
    """What a mirror, a witness or the sealer found: each is evidence the log is not the
    append-only log it claims."""

    bad_signature = "bad_signature"  # a checkpoint not signed by the log's key
    # the log now claims fewer entries than were mirrored, or than a witness cosigned
    rollback = "rollback"
    # a signed root that the mirrored entries do not produce, or that a witness refused as not
    # extending the checkpoint it cosigned
    fork = "fork"
    rewrite = "rewrite"  # an entry served differently from the copy taken earlier
    bad_entry = "bad_entry"  # an entry that is not a valid, balanced, in-sequence transaction
    # raised by the sealer, which then stops sealing the tenant until an operator resumes it
    tail_deleted = "tail_deleted"  # the newest sequenced transactions are gone from the table
    missing_entry = "missing_entry"  # a transaction the tree holds is gone, or out of order
    leaf_mismatch = "leaf_mismatch"  # a stored leaf is not what its transaction and postings say
    node_mismatch = "node_mismatch"  # a stored tree node is not what its leaves hash to


class LedgerAlarm(Base):
    """An alarm a mirror (with its API key), a witness's refusal or the sealer (without) raised
    against this tenant's log (append-only evidence)."""

    __tablename__ = "ledger_alarms"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "api_key_id"], ["api_keys.tenant_id", "api_keys.id"]),
        Index("ix_ledger_alarms_tenant_id_created_at", "tenant_id", "created_at"),
        # one alarm per finding that can come again (a refused checkpoint pushed again)
        UniqueConstraint("tenant_id", "subject"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    reporter: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(2000))
    tree_size: Mapped[int | None] = mapped_column(BigInteger)
    entry_index: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    # what the alarm was raised on, kept verbatim (a witness's refusal: `witnessing.Refusal`)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    subject: Mapped[str | None] = mapped_column(String(300))
