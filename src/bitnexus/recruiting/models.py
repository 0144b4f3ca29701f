"""Programme terms (versioned), the join page's questions, the auto-approve rule and the
applications made on the join page; every table is tenant-owned and RLS-protected."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class QuestionKind(StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    url = "url"
    yes_no = "yes_no"
    single_choice = "single_choice"


class AutoApprove(StrEnum):
    off = "off"
    all = "all"
    email_domain = "email_domain"  # the applicant's address is at one of the listed domains
    referred = "referred"  # an active affiliate's referral code came with the application


class ApplicationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ProgrammeTerms(Base):
    """One published version of the programme's terms; a new version never changes an old one."""

    __tablename__ = "recruiting_terms"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime]
    published_by_id: Mapped[uuid.UUID | None]


class ApplicationQuestion(Base):
    __tablename__ = "recruiting_questions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('short_text', 'long_text', 'url', 'yes_no', 'single_choice')",
            name="kind_known",
        ),
        Index("ix_recruiting_questions_tenant_id_position", "tenant_id", "position", unique=True),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool]
    options: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")


class RecruitingRules(Base):
    """How applications are decided at submission (one row per organisation, absent = off)."""

    __tablename__ = "recruiting_rules"
    __table_args__ = (
        CheckConstraint(
            "auto_approve IN ('off', 'all', 'email_domain', 'referred')", name="auto_approve_known"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    auto_approve: Mapped[str] = mapped_column(String(16))
    domains: Mapped[list[str]] = mapped_column(ARRAY(String(253)), server_default="{}")
    updated_at: Mapped[dt.datetime]


class Application(Base):
    __tablename__ = "recruiting_applications"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "referred_by_id"],
            ["users.tenant_id", "users.id"],
            name="fk_recruiting_applications_referred_by",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name="fk_recruiting_applications_user",
        ),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL", name="rejection_has_reason"
        ),
        # one open application per address: a second submission finds the first
        Index(
            "ix_recruiting_applications_pending_email",
            "tenant_id",
            func.lower(text("email")),
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_recruiting_applications_tenant_id_status_created_at",
            "tenant_id",
            "status",
            "created_at",
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(120))
    # [{"question_id", "label", "kind", "answer"}]: the question as it was asked
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    terms_version: Mapped[int | None]
    terms_accepted_at: Mapped[dt.datetime | None]
    referred_by_id: Mapped[uuid.UUID | None]
    # a keyed hash of the client address (for spotting floods), never the address itself
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[uuid.UUID | None]
    decided_by_rule: Mapped[str | None] = mapped_column(String(16))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None]
