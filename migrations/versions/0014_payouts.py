"""payouts: the tenant's payout threshold and schedule, affiliates' payout methods (stored,
never logged), payout batches (one open per currency) and their items

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import tenant_rls

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants",
        sa.Column("payout_threshold_minor", sa.BigInteger(), server_default="5000", nullable=False),
    )
    op.add_column(
        "tenants",
        sa.Column("payout_schedule", sa.String(length=8), server_default="monthly", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_tenants_payout_threshold_not_negative"), "tenants", "payout_threshold_minor >= 0"
    )
    op.create_check_constraint(
        op.f("ck_tenants_payout_schedule_known"),
        "tenants",
        "payout_schedule IN ('weekly', 'monthly', 'manual')",
    )
    op.create_table(
        "payout_methods",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('paypal', 'wise', 'bank_transfer')",
            name=op.f("ck_payout_methods_method_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_payout_methods_tenant_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payout_methods_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name=op.f("pk_payout_methods")),
    )
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_payout_batches_status_known")
        ),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_payout_batches_currency_iso4217")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_payout_batches_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payout_batches_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_payout_batches_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_payout_batches_tenant_id_number")),
    )
    op.create_index(
        "ix_payout_batches_tenant_id_created_at", "payout_batches", ["tenant_id", "created_at"]
    )
    op.create_index(
        "ix_payout_batches_one_open",
        "payout_batches",
        ["tenant_id", "currency"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "payout_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("failure_reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed')", name=op.f("ck_payout_items_status_known")
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payout_items_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "batch_id"],
            ["payout_batches.tenant_id", "payout_batches.id"],
            name=op.f("fk_payout_items_tenant_id_batch_id_payout_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_payout_items_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payout_items_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_items")),
        sa.UniqueConstraint(
            "tenant_id",
            "batch_id",
            "affiliate_id",
            name=op.f("uq_payout_items_tenant_id_batch_id_affiliate_id"),
        ),
        sa.UniqueConstraint(
            "tenant_id", "reference", name=op.f("uq_payout_items_tenant_id_reference")
        ),
    )
    op.create_index(
        "ix_payout_items_tenant_id_affiliate_id_created_at",
        "payout_items",
        ["tenant_id", "affiliate_id", "created_at"],
    )
    for table in ("payout_methods", "payout_batches", "payout_items"):
        for statement in tenant_rls(table, app_role, grants="SELECT, INSERT, UPDATE"):
            op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_index("ix_payout_items_tenant_id_affiliate_id_created_at", table_name="payout_items")
    op.drop_table("payout_items")
    op.drop_index(
        "ix_payout_batches_one_open",
        table_name="payout_batches",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_payout_batches_tenant_id_created_at", table_name="payout_batches")
    op.drop_table("payout_batches")
    op.drop_table("payout_methods")
    op.drop_constraint(op.f("ck_tenants_payout_schedule_known"), "tenants", type_="check")
    op.drop_constraint(op.f("ck_tenants_payout_threshold_not_negative"), "tenants", type_="check")
    op.drop_column("tenants", "payout_schedule")
    op.drop_column("tenants", "payout_threshold_minor")
