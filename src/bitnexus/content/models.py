"""Generated posts (the history) and the credits each organisation used per month."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by

PLATFORMS = "'x', 'linkedin', 'instagram', 'facebook', 'tiktok', 'youtube', 'email', 'banner'"


class Generation(Base):
    """One generated post: what was asked, by whom, what came back and what it cost."""

    __tablename__ = "content_generations"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        CheckConstraint(f"platform IN ({PLATFORMS})", name="platform_known"),
        CheckConstraint("credits >= 0", name="credits_not_negative"),
        Index(
            "ix_content_generations_tenant_id_affiliate_id_created_at_id",
            "tenant_id",
            "affiliate_id",
            "created_at",
            "id",
        ),
        Index("ix_content_generations_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    platform: Mapped[str] = mapped_column(String(16))
    tone: Mapped[str] = mapped_column(String(16))
    length: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    product_title: Mapped[str] = mapped_column(String(200))  # as it was when generated
    short_url: Mapped[str] = mapped_column(String(2100))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    credits: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=sql("now()"))


class CreditUsage(Base):
    """Credits an organisation used in one calendar month (UTC); `month` is its first day."""

    __tablename__ = "content_credit_usage"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column()
