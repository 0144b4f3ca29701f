"""links: an affiliate's tracked link to a product (random code unique across tenants, alias
unique within one), the tenant's fallback page, and the one lookup that crosses tenants: which
tenant a link code belongs to (for the public redirect)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import tenant_rls

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("alias", sa.String(length=40), nullable=True),
        sa.Column("destination", sa.String(length=2000), nullable=False),
        sa.Column("utm_source", sa.String(length=100), nullable=True),
        sa.Column("utm_medium", sa.String(length=100), nullable=True),
        sa.Column("utm_campaign", sa.String(length=100), nullable=True),
        sa.Column("utm_content", sa.String(length=100), nullable=True),
        sa.Column("utm_term", sa.String(length=100), nullable=True),
        sa.Column(
            "sub_ids", postgresql.ARRAY(sa.String(length=100)), server_default="{}", nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
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
        sa.CheckConstraint(
            "alias ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'", name=op.f("ck_links_alias_format")
        ),
        sa.CheckConstraint("code ~ '^[A-Za-z0-9]{10,16}$'", name=op.f("ck_links_code_format")),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'deleted')", name=op.f("ck_links_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "affiliate_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_links_tenant_id_affiliate_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_links_tenant_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_links_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint("code", name=op.f("uq_links_code")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_links_tenant_id_id")),
    )
    op.create_index(
        "ix_links_tenant_id_affiliate_id_created_at_id",
        "links",
        ["tenant_id", "affiliate_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_links_tenant_id_alias",
        "links",
        ["tenant_id", "alias"],
        unique=True,
        postgresql_where=sa.text("alias IS NOT NULL"),
    )
    op.create_index(
        "ix_links_tenant_id_product_id", "links", ["tenant_id", "product_id"], unique=False
    )
    for statement in tenant_rls("links", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)
    op.add_column("tenants", sa.Column("fallback_url", sa.String(length=2000), nullable=True))
    op.execute(
        """
        CREATE FUNCTION bitnexus_link_tenant(p_code text) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT tenant_id FROM public.links WHERE code = p_code
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION bitnexus_link_tenant(text) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_link_tenant(text) TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_link_tenant(text)")
    op.drop_column("tenants", "fallback_url")
    op.drop_index("ix_links_tenant_id_product_id", table_name="links")
    op.drop_index(
        "ix_links_tenant_id_alias",
        table_name="links",
        postgresql_where=sa.text("alias IS NOT NULL"),
    )
    op.drop_index("ix_links_tenant_id_affiliate_id_created_at_id", table_name="links")
    op.drop_table("links")
