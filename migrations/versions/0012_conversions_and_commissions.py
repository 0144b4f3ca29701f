"""conversions and commissions: coupons assigned to affiliates, the sales vendors report (once
per vendor and order id), each party's share of a sale's commission pool, refunds; the
tenant's platform fee, referral override rates and attribution model; and the one query that
crosses tenants: which tenants have commissions due to mature

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = """
CREATE FUNCTION bitnexus_commissions_due(p_now timestamptz) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT DISTINCT tenant_id FROM public.conversions
    WHERE state = 'pending' AND matures_at <= p_now
$$
"""


def _ledger_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "ledger_transaction_id"],
        ["ledger_transactions.tenant_id", "ledger_transactions.id"],
        name=op.f(f"fk_{table}_tenant_id_ledger_transaction_id_ledger_transactions"),
    )


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants",
        sa.Column("platform_fee_bps", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "tenants",
        sa.Column(
            "override_bps", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
    )
    op.add_column(
        "tenants",
        sa.Column("attribution", sa.String(length=16), server_default="last_click", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_tenants_platform_fee_bps_range"), "tenants", "platform_fee_bps BETWEEN 0 AND 10000"
    )
    op.create_check_constraint(
        op.f("ck_tenants_override_levels_at_most_3"), "tenants", "cardinality(override_bps) <= 3"
    )
    op.create_check_constraint(
        op.f("ck_tenants_attribution_known"),
        "tenants",
        "attribution IN ('last_click', 'first_click')",
    )

    op.create_table(
        "coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "code ~ '^[A-Z0-9][A-Z0-9_-]{2,39}$'", name=op.f("ck_coupons_code_format")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_coupons_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_coupons_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coupons_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_coupons_tenant_id_code")),
    )
    op.create_index("ix_coupons_tenant_id_affiliate_id", "coupons", ["tenant_id", "affiliate_id"])

    op.create_table(
        "conversions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("customer_ref", sa.String(length=200), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("click_id", sa.Uuid(), nullable=True),
        sa.Column("coupon_code", sa.String(length=40), nullable=True),
        sa.Column("affiliate_id", sa.Uuid(), nullable=True),
        sa.Column("attribution", sa.String(length=8), nullable=False),
        sa.Column("unattributed_reason", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.Column("commission_bps", sa.Integer(), nullable=True),
        sa.Column("commission_fixed_minor", sa.BigInteger(), nullable=True),
        sa.Column("tier_bonus_bps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fee_bps", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "override_bps", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
        sa.Column("pool_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("ledger_transaction_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matures_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matured_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_conversions_amount_positive")),
        sa.CheckConstraint(
            "refunded_minor BETWEEN 0 AND amount_minor",
            name=op.f("ck_conversions_refunded_within_amount"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_conversions_currency_iso4217")),
        sa.CheckConstraint(
            "attribution IN ('click', 'coupon', 'none')",
            name=op.f("ck_conversions_attribution_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'matured', 'refunded', 'unattributed')",
            name=op.f("ck_conversions_state_known"),
        ),
        sa.CheckConstraint(
            "(attribution = 'none') = (affiliate_id IS NULL)",
            name=op.f("ck_conversions_attributed_has_affiliate"),
        ),
        sa.ForeignKeyConstraint(
            ["click_id"], ["clicks.id"], name=op.f("fk_conversions_click_id_clicks")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "vendor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_conversions_tenant_id_vendor_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_conversions_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_conversions_tenant_id_affiliate_id_users"),
        ),
        _ledger_fk("conversions"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_conversions_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "vendor_id",
            "order_id",
            name=op.f("uq_conversions_tenant_id_vendor_id_order_id"),
        ),
    )
    op.create_index(
        "ix_conversions_tenant_id_vendor_id_created_at_id",
        "conversions",
        ["tenant_id", "vendor_id", "created_at", "id"],
    )
    op.create_index(
        "ix_conversions_tenant_id_affiliate_id_created_at",
        "conversions",
        ["tenant_id", "affiliate_id", "created_at"],
    )
    op.create_index(
        "ix_conversions_due",
        "conversions",
        ["matures_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )

    op.create_table(
        "commissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversion_id", sa.Uuid(), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reversed_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('affiliate', 'override', 'platform_fee')",
            name=op.f("ck_commissions_kind_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'available', 'reversed')", name=op.f("ck_commissions_state_known")
        ),
        sa.CheckConstraint("level BETWEEN 0 AND 3", name=op.f("ck_commissions_level_range")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_commissions_amount_positive")),
        sa.CheckConstraint(
            "reversed_minor BETWEEN 0 AND amount_minor",
            name=op.f("ck_commissions_reversed_within_amount"),
        ),
        sa.CheckConstraint(
            "(kind = 'platform_fee') = (beneficiary_id IS NULL)",
            name=op.f("ck_commissions_fee_has_no_beneficiary"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversion_id"],
            ["conversions.tenant_id", "conversions.id"],
            name=op.f("fk_commissions_tenant_id_conversion_id_conversions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "beneficiary_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_commissions_tenant_id_beneficiary_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_commissions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sa.UniqueConstraint(
            "tenant_id",
            "conversion_id",
            "kind",
            "level",
            name=op.f("uq_commissions_tenant_id_conversion_id_kind_level"),
        ),
    )
    op.create_index(
        "ix_commissions_tenant_id_beneficiary_id_created_at",
        "commissions",
        ["tenant_id", "beneficiary_id", "created_at"],
    )

    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversion_id", sa.Uuid(), nullable=False),
        sa.Column("refund_ref", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("clawback", sa.Boolean(), nullable=False),
        sa.Column("ledger_transaction_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversion_id"],
            ["conversions.tenant_id", "conversions.id"],
            name=op.f("fk_refunds_tenant_id_conversion_id_conversions"),
        ),
        _ledger_fk("refunds"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_refunds_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint(
            "tenant_id",
            "conversion_id",
            "refund_ref",
            name=op.f("uq_refunds_tenant_id_conversion_id_refund_ref"),
        ),
    )

    for table in ("coupons", "conversions", "commissions"):
        for statement in tenant_rls(table, app_role, grants="SELECT, INSERT, UPDATE"):
            op.execute(statement)
    for statement in tenant_rls("refunds", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in append_only("refunds"):
        op.execute(statement)
    op.execute(DUE)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_commissions_due(timestamptz) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_commissions_due(timestamptz) TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_commissions_due(timestamptz)")
    op.drop_table("refunds")
    op.drop_index("ix_commissions_tenant_id_beneficiary_id_created_at", table_name="commissions")
    op.drop_table("commissions")
    op.drop_index(
        "ix_conversions_due",
        table_name="conversions",
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_index("ix_conversions_tenant_id_affiliate_id_created_at", table_name="conversions")
    op.drop_index("ix_conversions_tenant_id_vendor_id_created_at_id", table_name="conversions")
    op.drop_table("conversions")
    op.drop_index("ix_coupons_tenant_id_affiliate_id", table_name="coupons")
    op.drop_table("coupons")
    op.drop_constraint(op.f("ck_tenants_attribution_known"), "tenants", type_="check")
    op.drop_constraint(op.f("ck_tenants_override_levels_at_most_3"), "tenants", type_="check")
    op.drop_constraint(op.f("ck_tenants_platform_fee_bps_range"), "tenants", type_="check")
    op.drop_column("tenants", "attribution")
    op.drop_column("tenants", "override_bps")
    op.drop_column("tenants", "platform_fee_bps")
