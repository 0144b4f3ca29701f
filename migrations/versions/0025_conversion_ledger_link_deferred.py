"""a conversion's link to its ledger transaction is checked at commit, so a batch of sales
inserts each conversion with the id of the commission transaction posted after it in the same
unit of work (no second write of every conversion)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _link() -> str:
    """The foreign key's name (the naming convention's was longer than PostgreSQL keeps)."""
    found = op.get_bind().execute(
        sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'conversions'::regclass"
            " AND confrelid = 'ledger_transactions'::regclass"
        )
    )
    return str(found.scalar_one())


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(
        f'ALTER TABLE conversions ALTER CONSTRAINT "{_link()}" DEFERRABLE INITIALLY DEFERRED'
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(f'ALTER TABLE conversions ALTER CONSTRAINT "{_link()}" NOT DEFERRABLE')
