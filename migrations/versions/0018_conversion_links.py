"""conversions remember the link of the click that earned them (dashboards group sales by link
without joining the clicks)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column("conversions", sa.Column("link_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE conversions v SET link_id = c.link_id FROM clicks c WHERE c.id = v.click_id")
    op.create_foreign_key(
        op.f("fk_conversions_tenant_id_link_id_links"),
        "conversions",
        "links",
        ["tenant_id", "link_id"],
        ["tenant_id", "id"],
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_constraint(
        op.f("fk_conversions_tenant_id_link_id_links"), "conversions", type_="foreignkey"
    )
    op.drop_column("conversions", "link_id")
