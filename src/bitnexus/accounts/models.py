"""Users and the tokens that authenticate them; every table is tenant-owned and RLS-protected."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class Role(StrEnum):
    platform_admin = "platform_admin"
    tenant_admin = "tenant_admin"
    vendor = "vendor"
    affiliate = "affiliate"


class UserStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "referral_code"),
        ForeignKeyConstraint(
            ["tenant_id", "referred_by_id"],
            ["users.tenant_id", "users.id"],
            name="fk_users_referred_by",
        ),
        CheckConstraint(
            "role IN ('platform_admin', 'tenant_admin', 'vendor', 'affiliate')", name="role_known"
        ),
        CheckConstraint("status IN ('active', 'suspended')", name="status_known"),
        CheckConstraint("referred_by_id IS NULL OR referred_by_id <> id", name="no_self_referral"),
        CheckConstraint(
            "role <> 'affiliate' OR referral_code IS NOT NULL", name="affiliate_has_referral_code"
        ),
        Index("ix_users_tenant_id_email", "tenant_id", func.lower(text("email")), unique=True),
        Index("ix_users_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_users_id", "id"),  # the platform path finds its admin by id alone
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), server_default=UserStatus.active.value)
    referral_code: Mapped[str | None] = mapped_column(String(16))
    referred_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    password_changed_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    # Bumped by a password change or reset and by "log out everywhere": every token carries the
    # version it was issued under, and one issued under an older version is refused.
    credential_version: Mapped[int] = mapped_column(server_default=text("0"))


class RefreshToken(Base):
    """One link of a refresh-token family; rotation marks it used and issues the next."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"
        ),
        Index("ix_refresh_tokens_tenant_id_family_id", "tenant_id", "family_id"),
        Index("ix_refresh_tokens_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    family_id: Mapped[uuid.UUID] = mapped_column()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    # the user's credential version when the family's first token was issued
    credential_version: Mapped[int] = mapped_column(server_default=text("0"))


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"
        ),
        Index("ix_password_reset_tokens_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()


class InvitationStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    revoked = "revoked"
    expired = "expired"


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "invited_by_id"],
            ["users.tenant_id", "users.id"],
            name="fk_invitations_invited_by",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "accepted_user_id"],
            ["users.tenant_id", "users.id"],
            name="fk_invitations_accepted_user",
        ),
        CheckConstraint("role IN ('tenant_admin', 'vendor', 'affiliate')", name="role_known"),
        Index("ix_invitations_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    invited_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    expires_at: Mapped[dt.datetime] = mapped_column()
    accepted_at: Mapped[dt.datetime | None] = mapped_column()
    accepted_user_id: Mapped[uuid.UUID | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    def status_at(self, now: dt.datetime) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.accepted
        if self.revoked_at is not None:
            return InvitationStatus.revoked
        if self.expires_at <= now:
            return InvitationStatus.expired
        return InvitationStatus.pending


class AuthThrottle(Base):
    """Failed-login counters keyed by an HMAC of (tenant, email) or of the client IP.

    Not tenant-owned (an IP spans tenants) and holds no personal data in the clear.
    """

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(server_default="0")
    window_started_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    locked_until: Mapped[dt.datetime | None] = mapped_column()
