"""scheduled payouts: a batch the schedule made has no maker, and the one query that crosses
tenants: which tenants pay out on a schedule

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULED = """
CREATE FUNCTION bitnexus_scheduled_payouts()
RETURNS TABLE (tenant_id uuid, schedule text, currency text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT id, payout_schedule::text, default_currency::text FROM public.tenants
    WHERE payout_schedule IN ('weekly', 'monthly') AND status = 'active' AND NOT is_platform
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.alter_column("payout_batches", "created_by", existing_type=sa.Uuid(), nullable=True)
    op.execute(SCHEDULED)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_scheduled_payouts() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_scheduled_payouts() TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_scheduled_payouts()")
    op.execute(
        "DELETE FROM payout_items WHERE batch_id IN"
        " (SELECT id FROM payout_batches WHERE created_by IS NULL)"
    )
    op.execute("DELETE FROM payout_batches WHERE created_by IS NULL")
    op.alter_column("payout_batches", "created_by", existing_type=sa.Uuid(), nullable=False)
