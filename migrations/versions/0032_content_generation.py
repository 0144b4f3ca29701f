"""marketing content: the generated posts (history per affiliate), the credits each
organisation used per calendar month, and two tenant settings: the monthly credits and the
advertising disclosure every post carries (default `#ad`)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORMS = "'x', 'linkedin', 'instagram', 'facebook', 'tiktok', 'youtube', 'email', 'banner'"


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "tenants",
        sa.Column("content_credits_monthly", sa.Integer(), server_default="100", nullable=False),
    )
    op.add_column(
        "tenants",
        sa.Column("content_disclosure", sa.String(length=40), server_default="#ad", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_tenants_content_credits_monthly_range"),
        "tenants",
        "content_credits_monthly BETWEEN 0 AND 1000000",
    )
    op.create_check_constraint(
        op.f("ck_tenants_content_disclosure_length"),
        "tenants",
        "char_length(btrim(content_disclosure)) BETWEEN 1 AND 40",
    )
    op.create_table(
        "content_generations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("tone", sa.String(length=16), nullable=False),
        sa.Column("length", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("product_title", sa.String(length=200), nullable=False),
        sa.Column("short_url", sa.String(length=2100), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            f"platform IN ({PLATFORMS})", name=op.f("ck_content_generations_platform_known")
        ),
        sa.CheckConstraint(
            "credits >= 0", name=op.f("ck_content_generations_credits_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_content_generations_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_content_generations_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_content_generations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_generations")),
    )
    op.create_index(
        "ix_content_generations_tenant_id_affiliate_id_created_at_id",
        "content_generations",
        ["tenant_id", "affiliate_id", "created_at", "id"],
    )
    op.create_index(
        "ix_content_generations_tenant_id_created_at_id",
        "content_generations",
        ["tenant_id", "created_at", "id"],
    )
    op.create_table(
        "content_credit_usage",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_content_credit_usage_used_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_content_credit_usage_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "month", name=op.f("pk_content_credit_usage")),
    )
    # the history is append-only for the app; usage rows are only inserted and counted up
    for statement in tenant_rls("content_generations", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in tenant_rls("content_credit_usage", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_table("content_credit_usage")
    op.drop_index("ix_content_generations_tenant_id_created_at_id", "content_generations")
    op.drop_index(
        "ix_content_generations_tenant_id_affiliate_id_created_at_id", "content_generations"
    )
    op.drop_table("content_generations")
    op.drop_constraint(op.f("ck_tenants_content_disclosure_length"), "tenants", type_="check")
    op.drop_constraint(op.f("ck_tenants_content_credits_monthly_range"), "tenants", type_="check")
    op.drop_column("tenants", "content_disclosure")
    op.drop_column("tenants", "content_credits_monthly")
