"""Affiliate groups, who is in which, and every move between them; tenant-owned tables under
row security. Moves are never rewritten: the runtime role may only read and add them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class AffiliateGroup(Base):
    """A group's terms: a commission rule (a rate or a fixed amount, or none: the programme's)
    over its products (none listed: every product), and a payout threshold (none: the
    organisation's). Removing a group archives it, so its moves keep their names."""

    __tablename__ = "affiliate_groups"
    __table_args__ = (
        CheckConstraint(
            "commission_bps IS NULL OR commission_fixed_minor IS NULL", name="one_rule"
        ),
        CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="bps_in_range"),
        CheckConstraint("commission_fixed_minor >= 0", name="fixed_not_negative"),
        CheckConstraint("payout_threshold_minor >= 0", name="threshold_not_negative"),
        # a live group's name is its own within the organisation
        Index(
            "ix_affiliate_groups_live_name",
            "tenant_id",
            func.lower(text("name")),
            unique=True,
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), server_default="")
    commission_bps: Mapped[int | None]
    commission_fixed_minor: Mapped[int | None] = mapped_column(BigInteger)
    product_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()), server_default="{}")
    payout_threshold_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]


class GroupMember(Base):
    """The group an affiliate is in now (no row: none)."""

    __tablename__ = "affiliate_group_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name="fk_affiliate_group_members_affiliate",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_members_group",
        ),
        Index("ix_affiliate_group_members_tenant_id_group_id", "tenant_id", "group_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    affiliate_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    group_id: Mapped[uuid.UUID]
    since: Mapped[dt.datetime]


class GroupMove(Base):
    """An affiliate moved into a group, out of one, or from one to another: who did it, when
    and why. It applies to sales recorded after it; earlier commissions keep their rule."""

    __tablename__ = "affiliate_group_moves"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name="fk_affiliate_group_moves_affiliate",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_moves_group",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "from_group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_moves_from_group",
        ),
        CheckConstraint("group_id IS DISTINCT FROM from_group_id", name="moves_somewhere"),
        Index(
            "ix_affiliate_group_moves_tenant_id_affiliate_id_moved_at",
            "tenant_id",
            "affiliate_id",
            "moved_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    affiliate_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID | None]  # None: out of every group
    from_group_id: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(String(300), server_default="")
    moved_by_id: Mapped[uuid.UUID | None]
    moved_at: Mapped[dt.datetime]
