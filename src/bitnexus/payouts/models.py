"""Payout methods (an affiliate's details, stored, never logged), batches and their items."""

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
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class Method(StrEnum):
    paypal = "paypal"
    wise = "wise"
    bank_transfer = "bank_transfer"


class BatchStatus(StrEnum):
    open = "open"  # items waiting to be paid or failed
    closed = "closed"  # every item paid or failed


class ItemStatus(StrEnum):
    pending = "pending"
    paid = "paid"
    failed = "failed"


class PayoutMethod(Base):
    __tablename__ = "payout_methods"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint("method IN ('paypal', 'wise', 'bank_transfer')", name="method_known"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[dt.datetime] = mapped_column()


class PayoutBatch(Base):
    __tablename__ = "payout_batches"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "created_by"], ["users.tenant_id", "users.id"]),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        UniqueConstraint("tenant_id", "number"),
        Index("ix_payout_batches_tenant_id_created_at", "tenant_id", "created_at"),
        Index(
            "ix_payout_batches_one_open",
            "tenant_id",
            "currency",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    number: Mapped[int] = mapped_column()  # 1, 2, … per tenant: references read BNX-{number}-…
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[uuid.UUID | None] = mapped_column()  # None: made by the schedule
    created_at: Mapped[dt.datetime] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()


class PayoutItem(Base):
    __tablename__ = "payout_items"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "batch_id"], ["payout_batches.tenant_id", "payout_batches.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "batch_id", "affiliate_id"),
        UniqueConstraint("tenant_id", "reference"),
        CheckConstraint("status IN ('pending', 'paid', 'failed')", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index(
            "ix_payout_items_tenant_id_affiliate_id_created_at",
            "tenant_id",
            "affiliate_id",
            "created_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    batch_id: Mapped[uuid.UUID] = mapped_column()
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)  # as they were when the batch was made
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8))
    failure_reason: Mapped[str] = mapped_column(String(500), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column()
    settled_at: Mapped[dt.datetime | None] = mapped_column()
