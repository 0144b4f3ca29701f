"""click rollups: clicks counted per hour and link once the hour is settled (dashboards read
them instead of scanning every click), each tenant's rollup mark, and the one query that
crosses tenants: which tenants have clicks past their mark

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = """
CREATE FUNCTION bitnexus_rollups_due(p_until timestamptz) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT t.id FROM public.tenants t
    WHERE EXISTS (
        SELECT 1 FROM public.clicks c
        WHERE c.tenant_id = t.id AND c.created_at < p_until
          AND c.created_at >= coalesce(
              (SELECT r.rolled_until FROM public.click_rollups r WHERE r.tenant_id = t.id),
              '-infinity')
    )
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "click_hours",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("raw", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("uniq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "link_id"],
            ["links.tenant_id", "links.id"],
            name=op.f("fk_click_hours_tenant_id_link_id_links"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_click_hours_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "hour", "link_id", name=op.f("pk_click_hours")),
    )
    op.create_index(
        "ix_click_hours_tenant_id_affiliate_id_hour",
        "click_hours",
        ["tenant_id", "affiliate_id", "hour"],
    )
    op.create_index(
        "ix_click_hours_tenant_id_product_id_hour",
        "click_hours",
        ["tenant_id", "product_id", "hour"],
    )
    op.create_table(
        "click_rollups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("rolled_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_click_rollups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_click_rollups")),
    )
    for table in ("click_hours", "click_rollups"):
        for statement in tenant_rls(table, app_role, grants="SELECT, INSERT, UPDATE"):
            op.execute(statement)
    op.execute(DUE)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_rollups_due(timestamptz) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_rollups_due(timestamptz) TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_rollups_due(timestamptz)")
    op.drop_table("click_rollups")
    op.drop_index("ix_click_hours_tenant_id_product_id_hour", table_name="click_hours")
    op.drop_index("ix_click_hours_tenant_id_affiliate_id_hour", table_name="click_hours")
    op.drop_table("click_hours")
