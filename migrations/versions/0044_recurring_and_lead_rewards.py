"""recurring and lead rewards: subscriptions, renewals and leads on conversions, and the
organisation's recurring rule and lead reward

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-04

A subscription is made by the first sale that names it; its renewals are conversions with the
same subscription id, numbered from 1, credited to the first sale's affiliate while the
organisation's rule (`tenants.recurring`, `recurring_limit`) allows. A lead is a conversion of
kind 'lead' with no amount, rewarded with `tenants.lead_reward_minor`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants", sa.Column("recurring", sa.String(length=8), server_default="off", nullable=False)
    )
    op.add_column("tenants", sa.Column("recurring_limit", sa.Integer()))
    op.add_column("tenants", sa.Column("lead_reward_minor", sa.BigInteger()))
    op.create_check_constraint(
        op.f("ck_tenants_recurring_known"),
        "tenants",
        "recurring IN ('off', 'months', 'renewals', 'forever')",
    )
    op.create_check_constraint(
        op.f("ck_tenants_recurring_limit_range"),
        "tenants",
        "(recurring IN ('months', 'renewals')) = (recurring_limit IS NOT NULL)"
        " AND coalesce(recurring_limit BETWEEN 1 AND 1200, true)",
    )
    op.create_check_constraint(
        op.f("ck_tenants_lead_reward_range"),
        "tenants",
        "coalesce(lead_reward_minor BETWEEN 1 AND 1000000000000, true)",
    )

    op.add_column(
        "conversions", sa.Column("kind", sa.String(length=8), server_default="sale", nullable=False)
    )
    op.add_column("conversions", sa.Column("subscription_ref", sa.String(length=100)))
    op.add_column("conversions", sa.Column("renewal", sa.Integer()))
    op.add_column("conversions", sa.Column("renewal_limit", sa.Integer()))
    op.drop_constraint(op.f("ck_conversions_amount_positive"), "conversions", type_="check")
    op.create_check_constraint(
        op.f("ck_conversions_amount_positive"),
        "conversions",
        "amount_minor > 0 OR (kind = 'lead' AND amount_minor = 0)",
    )
    op.drop_constraint(op.f("ck_conversions_attribution_known"), "conversions", type_="check")
    op.create_check_constraint(
        op.f("ck_conversions_attribution_known"),
        "conversions",
        "attribution IN ('click', 'coupon', 'renewal', 'none')",
    )
    op.create_check_constraint(
        op.f("ck_conversions_kind_known"), "conversions", "kind IN ('sale', 'lead')"
    )
    op.create_check_constraint(
        op.f("ck_conversions_renewal_numbered"),
        "conversions",
        "(subscription_ref IS NULL) = (renewal IS NULL)",
    )
    op.create_index(
        op.f("ix_conversions_tenant_id_vendor_id_subscription_ref"),
        "conversions",
        ["tenant_id", "vendor_id", "subscription_ref"],
        postgresql_where=sa.text("subscription_ref IS NOT NULL"),
    )

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_ref", sa.String(length=100), nullable=False),
        sa.Column("affiliate_id", sa.Uuid()),
        sa.Column("product_id", sa.Uuid()),
        sa.Column("first_order_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewals", sa.Integer(), server_default="0", nullable=False),
        sa.Column("renewals_earned", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("renewals >= 0", name=op.f("ck_subscriptions_renewals_not_negative")),
        sa.CheckConstraint(
            "renewals_earned BETWEEN 0 AND renewals",
            name=op.f("ck_subscriptions_earned_within_renewals"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_subscriptions_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "vendor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_subscriptions_tenant_id_vendor_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_subscriptions_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_subscriptions_tenant_id_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "tenant_id",
            "vendor_id",
            "subscription_ref",
            name=op.f("uq_subscriptions_tenant_id_vendor_id_subscription_ref"),
        ),
    )
    for statement in tenant_rls("subscriptions", app_role):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_table("subscriptions")
    op.drop_index(op.f("ix_conversions_tenant_id_vendor_id_subscription_ref"), "conversions")
    # leads have no amount: with any recorded, the old check below refuses the downgrade
    op.drop_constraint(op.f("ck_conversions_renewal_numbered"), "conversions", type_="check")
    op.drop_constraint(op.f("ck_conversions_kind_known"), "conversions", type_="check")
    op.drop_constraint(op.f("ck_conversions_attribution_known"), "conversions", type_="check")
    op.execute("UPDATE conversions SET attribution = 'none' WHERE attribution = 'renewal'")
    op.create_check_constraint(
        op.f("ck_conversions_attribution_known"),
        "conversions",
        "attribution IN ('click', 'coupon', 'none')",
    )
    op.drop_constraint(op.f("ck_conversions_amount_positive"), "conversions", type_="check")
    op.create_check_constraint(
        op.f("ck_conversions_amount_positive"), "conversions", "amount_minor > 0"
    )
    for column in ("renewal_limit", "renewal", "subscription_ref", "kind"):
        op.drop_column("conversions", column)
    for name in ("lead_reward_range", "recurring_limit_range", "recurring_known"):
        op.drop_constraint(op.f(f"ck_tenants_{name}"), "tenants", type_="check")
    for column in ("lead_reward_minor", "recurring_limit", "recurring"):
        op.drop_column("tenants", column)
