"""A person's notifications and their choice of channel per kind (migration 0037)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Identity,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class Notification(Base):
    """Something a user was told: made once per event and user (the outbox event's id)."""

    __tablename__ = "notifications"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "user_id", "event_id"),
        Index("ix_notifications_tenant_id_user_id_id", "tenant_id", "user_id", "id"),
        Index(
            "ix_notifications_mail_due",
            "mail_next_at",
            postgresql_where=text("mail AND mailed_at IS NULL"),
        ),
        Index(
            "ix_notifications_unread",
            "tenant_id",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    event_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(200))
    mail: Mapped[bool] = mapped_column()  # also to be mailed
    mailed_at: Mapped[dt.datetime | None] = mapped_column()
    mail_attempts: Mapped[int] = mapped_column(server_default=text("0"))
    mail_next_at: Mapped[dt.datetime | None] = mapped_column()  # not before (a retry, a claim)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    read_at: Mapped[dt.datetime | None] = mapped_column()


class NotificationPreference(Base):
    """A user's channel for one kind; a kind without a row uses its default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint("channel IN ('mail', 'in_app', 'off')", name="channel_known"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
