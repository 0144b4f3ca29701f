"""affiliate groups: their terms, who is in which, every move, and the group a sale's rule
came from

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-04

A group has its own commission rule (a rate or a fixed amount) over its products and its own
payout threshold. `affiliate_group_members` says who is in which now; `affiliate_group_moves`
keeps every move and may only be read and added to. A conversion records the group whose rule
it earned (`conversions.group_id`), so a later move or change of terms leaves it as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import tenant_rls

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "affiliate_groups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("commission_bps", sa.Integer(), nullable=True),
        sa.Column("commission_fixed_minor", sa.BigInteger(), nullable=True),
        sa.Column("product_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("payout_threshold_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("archived_at", _TS, nullable=True),
        sa.CheckConstraint(
            "commission_bps IS NULL OR commission_fixed_minor IS NULL",
            name=op.f("ck_affiliate_groups_one_rule"),
        ),
        sa.CheckConstraint(
            "commission_bps BETWEEN 0 AND 10000", name=op.f("ck_affiliate_groups_bps_in_range")
        ),
        sa.CheckConstraint(
            "commission_fixed_minor >= 0", name=op.f("ck_affiliate_groups_fixed_not_negative")
        ),
        sa.CheckConstraint(
            "payout_threshold_minor >= 0",
            name=op.f("ck_affiliate_groups_threshold_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_affiliate_groups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_affiliate_groups")),
    )
    op.create_index(
        "ix_affiliate_groups_live_name",
        "affiliate_groups",
        ["tenant_id", sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("archived_at IS NULL"),
    )
    # a group is archived, never deleted: its moves keep naming it
    for statement in tenant_rls("affiliate_groups", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)

    op.create_table(
        "affiliate_group_members",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("since", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_affiliate_group_members_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name="fk_affiliate_group_members_affiliate",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_members_group",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "affiliate_id", name=op.f("pk_affiliate_group_members")
        ),
    )
    op.create_index(
        "ix_affiliate_group_members_tenant_id_group_id",
        "affiliate_group_members",
        ["tenant_id", "group_id"],
    )
    for statement in tenant_rls("affiliate_group_members", app_role):
        op.execute(statement)

    op.create_table(
        "affiliate_group_moves",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("from_group_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=300), server_default="", nullable=False),
        sa.Column("moved_by_id", sa.Uuid(), nullable=True),
        sa.Column("moved_at", _TS, nullable=False),
        sa.CheckConstraint(
            "group_id IS DISTINCT FROM from_group_id",
            name=op.f("ck_affiliate_group_moves_moves_somewhere"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_affiliate_group_moves_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name="fk_affiliate_group_moves_affiliate",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_moves_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_group_id"],
            ["affiliate_groups.tenant_id", "affiliate_groups.id"],
            name="fk_affiliate_group_moves_from_group",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_group_moves")),
    )
    op.create_index(
        "ix_affiliate_group_moves_tenant_id_affiliate_id_moved_at",
        "affiliate_group_moves",
        ["tenant_id", "affiliate_id", "moved_at"],
    )
    # the history of moves is kept as it happened: read and add, nothing else
    for statement in tenant_rls("affiliate_group_moves", app_role, grants="SELECT, INSERT"):
        op.execute(statement)

    op.add_column("conversions", sa.Column("group_id", sa.Uuid(), nullable=True))


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_column("conversions", "group_id")
    op.drop_table("affiliate_group_moves")
    op.drop_table("affiliate_group_members")
    op.drop_table("affiliate_groups")
