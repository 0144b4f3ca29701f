"""commissions carry their sale's vendor, product and link (copied when the share is made,
never changed), so dashboards sum shares per product or link without joining the sales; and
statistics on the UTC day of sales and shares, so the planner knows a month has about thirty
of them and groups by day in a small hash table instead of sorting every row

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    for column in ("vendor_id", "product_id", "link_id"):
        op.add_column("commissions", sa.Column(column, sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE commissions s SET vendor_id = v.vendor_id, product_id = v.product_id,"
        " link_id = v.link_id FROM conversions v WHERE v.id = s.conversion_id"
    )
    op.alter_column("commissions", "vendor_id", nullable=False)
    op.alter_column("commissions", "product_id", nullable=False)
    op.create_index(
        "ix_commissions_tenant_id_vendor_id_created_at",
        "commissions",
        ["tenant_id", "vendor_id", "created_at"],
    )
    for table in ("conversions", "commissions"):
        op.execute(
            f"CREATE STATISTICS {table}_utc_day ON ((timezone('UTC', created_at))::date)"
            f" FROM {table}"
        )


def downgrade(app_role: str = "bitnexus_app") -> None:
    for table in ("conversions", "commissions"):
        op.execute(f"DROP STATISTICS {table}_utc_day")
    op.drop_index("ix_commissions_tenant_id_vendor_id_created_at", table_name="commissions")
    for column in ("link_id", "product_id", "vendor_id"):
        op.drop_column("commissions", column)
