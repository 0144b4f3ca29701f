"""tenant policies read the tenant setting once per query (a scalar subquery, which PostgreSQL
runs once as an InitPlan) instead of once per row a scan filters

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import CURRENT_TENANT, TENANT_ONCE

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _policies() -> list[tuple[str, str]]:
    """(table, compared column) of every tenant isolation policy."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT tablename, qual FROM pg_policies"
            " WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'"
        )
    )
    out = []
    for table, qual in rows:
        found = re.match(r"^\(\(?(\w+)\)? = ", qual)
        if found is None:
            raise RuntimeError(f"unexpected tenant policy on {table}: {qual}")
        out.append((table, found.group(1)))
    return out


def _set(tenant: str) -> None:
    for table, column in _policies():
        op.execute(
            f"ALTER POLICY tenant_isolation ON {table}"
            f" USING ({column} = {tenant}) WITH CHECK ({column} = {tenant})"
        )


def upgrade(app_role: str = "bitnexus_app") -> None:
    _set(TENANT_ONCE)


def downgrade(app_role: str = "bitnexus_app") -> None:
    _set(CURRENT_TENANT)
