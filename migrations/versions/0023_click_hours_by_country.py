"""hourly click rollups per country too ('' when unknown), so dashboards count clicks by
country without the raw clicks; the hours rolled up so far are rolled up again from the clicks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild() -> None:
    """Forget every rollup: the job counts the settled hours again from the clicks."""
    op.execute("DELETE FROM click_hours")
    op.execute("DELETE FROM click_rollups")


def upgrade(app_role: str = "bitnexus_app") -> None:
    _rebuild()
    op.add_column(
        "click_hours",
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
    )
    op.drop_constraint(op.f("pk_click_hours"), "click_hours", type_="primary")
    op.create_primary_key(
        op.f("pk_click_hours"), "click_hours", ["tenant_id", "hour", "link_id", "country"]
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    _rebuild()
    op.drop_constraint(op.f("pk_click_hours"), "click_hours", type_="primary")
    op.drop_column("click_hours", "country")
    op.create_primary_key(op.f("pk_click_hours"), "click_hours", ["tenant_id", "hour", "link_id"])
