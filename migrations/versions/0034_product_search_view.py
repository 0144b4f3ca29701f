"""product_search: the marketplace's searchable columns of the tenant's products as a view
that applies the tenant rule itself (`core.rls.tenant_view`), so keyword search uses the
full-text and trigram indexes instead of scanning every product of every tenant

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

from bitnexus.core.rls import tenant_view

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "id", "tenant_id", "status", "category", "currency", "price_minor", "commission_bps",
    "commission_fixed_minor", "grade", "title", "description", "search_document",
]  # fmt: skip


def upgrade(app_role: str = "bitnexus_app") -> None:
    for statement in tenant_view("product_search", "products", COLUMNS, app_role):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP VIEW product_search")
