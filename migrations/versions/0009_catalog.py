"""catalog: products (commission rule, cookie window, refund hold), their images, and the
vetting decisions about them (append-only); the tenant's default refund hold

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column(
            "tags", postgresql.ARRAY(sa.String(length=30)), server_default="{}", nullable=False
        ),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("landing_url", sa.String(length=2000), nullable=False),
        sa.Column("commission_bps", sa.Integer(), nullable=True),
        sa.Column("commission_fixed_minor", sa.BigInteger(), nullable=True),
        sa.Column("cookie_days", sa.Integer(), nullable=True),
        sa.Column("refund_hold_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("review_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("rejection_reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_products_currency_iso4217")),
        sa.CheckConstraint(
            "grade IN ('S', 'A', 'B', 'C', 'D', 'F')", name=op.f("ck_products_grade_known")
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR grade IS NOT NULL", name=op.f("ck_products_approved_is_graded")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'archived')",
            name=op.f("ck_products_status_known"),
        ),
        sa.CheckConstraint(
            "commission_bps BETWEEN 0 AND 10000", name=op.f("ck_products_commission_bps_range")
        ),
        sa.CheckConstraint(
            "commission_bps IS NULL OR commission_fixed_minor IS NULL",
            name=op.f("ck_products_one_commission_rule"),
        ),
        sa.CheckConstraint(
            "commission_fixed_minor >= 0", name=op.f("ck_products_commission_fixed_not_negative")
        ),
        sa.CheckConstraint(
            "cookie_days BETWEEN 1 AND 365", name=op.f("ck_products_cookie_days_range")
        ),
        sa.CheckConstraint("price_minor > 0", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint(
            "refund_hold_days BETWEEN 0 AND 365", name=op.f("ck_products_refund_hold_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "vendor_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_products_tenant_id_vendor_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_products_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_products_tenant_id_id")),
    )
    op.create_index(
        "ix_products_tenant_id_status_reviewed_at_id",
        "products",
        ["tenant_id", "status", "reviewed_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_products_tenant_id_status_submitted_at_id",
        "products",
        ["tenant_id", "status", "submitted_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_products_tenant_id_vendor_id_created_at_id",
        "products",
        ["tenant_id", "vendor_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "product_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_product_images_tenant_id_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_product_images_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
    )
    op.create_index(
        "ix_product_images_tenant_id_product_id_position",
        "product_images",
        ["tenant_id", "product_id", "position"],
        unique=False,
    )
    op.create_table(
        "product_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "decision IN ('approved', 'rejected')", name=op.f("ck_product_reviews_decision_known")
        ),
        sa.CheckConstraint(
            "grade IN ('S', 'A', 'B', 'C', 'D', 'F')", name=op.f("ck_product_reviews_grade_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_product_reviews_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "reviewer_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_product_reviews_tenant_id_reviewer_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_product_reviews_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_reviews")),
    )
    op.create_index(
        "ix_product_reviews_tenant_id_product_id_created_at",
        "product_reviews",
        ["tenant_id", "product_id", "created_at"],
        unique=False,
    )
    op.add_column(
        "tenants",
        sa.Column("default_refund_hold_days", sa.Integer(), server_default="30", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_tenants_refund_hold_days_range"),
        "tenants",
        "default_refund_hold_days BETWEEN 0 AND 365",
    )
    for table, grants in (
        ("products", "SELECT, INSERT, UPDATE"),
        ("product_images", "SELECT, INSERT, DELETE"),
        ("product_reviews", "SELECT, INSERT"),
    ):
        for statement in tenant_rls(table, app_role, grants=grants):
            op.execute(statement)
    for statement in append_only("product_reviews"):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_column("tenants", "default_refund_hold_days")
    op.drop_index(
        "ix_product_reviews_tenant_id_product_id_created_at", table_name="product_reviews"
    )
    op.drop_table("product_reviews")
    op.drop_index("ix_product_images_tenant_id_product_id_position", table_name="product_images")
    op.drop_table("product_images")
    op.drop_index("ix_products_tenant_id_vendor_id_created_at_id", table_name="products")
    op.drop_index("ix_products_tenant_id_status_submitted_at_id", table_name="products")
    op.drop_index("ix_products_tenant_id_status_reviewed_at_id", table_name="products")
    op.drop_table("products")
