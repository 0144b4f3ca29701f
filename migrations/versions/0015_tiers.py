"""tiers: the tenant's tier thresholds and bonuses, affiliates' tier changes (append-only);
and an index for the shared-address fraud rule (sales from one address in a day)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants",
        sa.Column(
            "tier_thresholds",
            postgresql.ARRAY(sa.BigInteger()),
            server_default="{50000,250000,1000000}",
            nullable=False,
        ),
    )
    op.add_column(
        "tenants",
        sa.Column(
            "tier_bonus_bps",
            postgresql.ARRAY(sa.Integer()),
            server_default="{500,1000,2000}",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_tenants_three_tiers_above_bronze"),
        "tenants",
        "cardinality(tier_thresholds) = 3 AND cardinality(tier_bonus_bps) = 3",
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("previous", sa.String(length=8), nullable=False),
        sa.Column("tier", sa.String(length=8), nullable=False),
        sa.Column("earnings_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tier IN ('bronze', 'silver', 'gold', 'platinum')"
            " AND previous IN ('bronze', 'silver', 'gold', 'platinum')",
            name=op.f("ck_tier_changes_tiers_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_tier_changes_tenant_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tier_changes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_changes")),
    )
    op.create_index(
        "ix_tier_changes_tenant_id_user_id_created_at",
        "tier_changes",
        ["tenant_id", "user_id", "created_at"],
    )
    for statement in tenant_rls("tier_changes", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in append_only("tier_changes"):
        op.execute(statement)
    op.create_index(
        "ix_conversions_tenant_id_ip_hash_created_at",
        "conversions",
        ["tenant_id", "ip_hash", "created_at"],
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_index("ix_conversions_tenant_id_ip_hash_created_at", table_name="conversions")
    op.drop_index("ix_tier_changes_tenant_id_user_id_created_at", table_name="tier_changes")
    op.drop_table("tier_changes")
    op.drop_constraint(op.f("ck_tenants_three_tiers_above_bronze"), "tenants", type_="check")
    op.drop_column("tenants", "tier_bonus_bps")
    op.drop_column("tenants", "tier_thresholds")
