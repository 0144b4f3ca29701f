"""fraud holds: the tenant's fraud rule settings, the buyer's hashed address on each
conversion, held and rejected states, holds with their append-only history, and the hashed
addresses members signed in from (for the self-referral rule)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONVERSION_STATES = ("pending", "matured", "refunded", "unattributed")
COMMISSION_STATES = ("pending", "available", "reversed")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _states(conversions: Sequence[str], commissions: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_conversions_state_known"), "conversions", type_="check")
    op.create_check_constraint(
        op.f("ck_conversions_state_known"), "conversions", _in("state", conversions)
    )
    op.drop_constraint(op.f("ck_commissions_state_known"), "commissions", type_="check")
    op.create_check_constraint(
        op.f("ck_commissions_state_known"), "commissions", _in("state", commissions)
    )


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants",
        sa.Column("fraud_min_click_seconds", sa.Integer(), server_default="10", nullable=False),
    )
    op.add_column(
        "tenants",
        sa.Column("fraud_max_sales_per_address", sa.Integer(), server_default="3", nullable=False),
    )
    op.add_column(
        "tenants",
        sa.Column(
            "fraud_hold_coupon_without_click",
            sa.Boolean(),
            server_default=sa.text("true"),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_tenants_fraud_min_click_seconds_range"),
        "tenants",
        "fraud_min_click_seconds BETWEEN 0 AND 86400",
    )
    op.create_check_constraint(
        op.f("ck_tenants_fraud_max_sales_per_address_range"),
        "tenants",
        "fraud_max_sales_per_address BETWEEN 0 AND 1000",
    )
    op.add_column("conversions", sa.Column("ip_hash", sa.LargeBinary(), nullable=True))
    _states(
        ("pending", "held", "matured", "refunded", "rejected", "unattributed"),
        ("pending", "held", "available", "reversed", "rejected"),
    )

    op.create_table(
        "fraud_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversion_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("appeal", sa.String(length=2000), nullable=True),
        sa.Column("appealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'approved', 'rejected')", name=op.f("ck_fraud_holds_status_known")
        ),
        sa.CheckConstraint("cardinality(reasons) > 0", name=op.f("ck_fraud_holds_has_reasons")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversion_id"],
            ["conversions.tenant_id", "conversions.id"],
            name=op.f("fk_fraud_holds_tenant_id_conversion_id_conversions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_fraud_holds_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "decided_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_fraud_holds_tenant_id_decided_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_fraud_holds_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_holds")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_fraud_holds_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "conversion_id", name=op.f("uq_fraud_holds_tenant_id_conversion_id")
        ),
    )
    op.create_index(
        "ix_fraud_holds_tenant_id_status_created_at",
        "fraud_holds",
        ["tenant_id", "status", "created_at"],
    )
    op.create_index(
        "ix_fraud_holds_tenant_id_affiliate_id", "fraud_holds", ["tenant_id", "affiliate_id"]
    )
    op.create_table(
        "fraud_hold_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('held', 'appealed', 'approved', 'rejected')",
            name=op.f("ck_fraud_hold_events_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hold_id"],
            ["fraud_holds.tenant_id", "fraud_holds.id"],
            name=op.f("fk_fraud_hold_events_tenant_id_hold_id_fraud_holds"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "actor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_fraud_hold_events_tenant_id_actor_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_fraud_hold_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_hold_events")),
    )
    op.create_index(
        "ix_fraud_hold_events_tenant_id_hold_id_created_at",
        "fraud_hold_events",
        ["tenant_id", "hold_id", "created_at"],
    )
    op.create_table(
        "member_addresses",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ip_hash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_member_addresses_tenant_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_member_addresses_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "user_id", "day", "ip_hash", name=op.f("pk_member_addresses")
        ),
    )
    for statement in tenant_rls("fraud_holds", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)
    for statement in tenant_rls("fraud_hold_events", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in append_only("fraud_hold_events"):
        op.execute(statement)
    for statement in tenant_rls("member_addresses", app_role, grants="SELECT, INSERT, DELETE"):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_table("member_addresses")
    op.drop_index(
        "ix_fraud_hold_events_tenant_id_hold_id_created_at", table_name="fraud_hold_events"
    )
    op.drop_table("fraud_hold_events")
    op.drop_index("ix_fraud_holds_tenant_id_affiliate_id", table_name="fraud_holds")
    op.drop_index("ix_fraud_holds_tenant_id_status_created_at", table_name="fraud_holds")
    op.drop_table("fraud_holds")
    _states(CONVERSION_STATES, COMMISSION_STATES)
    op.drop_column("conversions", "ip_hash")
    op.drop_constraint(
        op.f("ck_tenants_fraud_max_sales_per_address_range"), "tenants", type_="check"
    )
    op.drop_constraint(op.f("ck_tenants_fraud_min_click_seconds_range"), "tenants", type_="check")
    op.drop_column("tenants", "fraud_hold_coupon_without_click")
    op.drop_column("tenants", "fraud_max_sales_per_address")
    op.drop_column("tenants", "fraud_min_click_seconds")
