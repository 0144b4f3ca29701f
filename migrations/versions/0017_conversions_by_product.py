"""an index on conversions by product, for earnings per click in the marketplace

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_index(
        "ix_conversions_tenant_id_product_id", "conversions", ["tenant_id", "product_id"]
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_index("ix_conversions_tenant_id_product_id", table_name="conversions")
