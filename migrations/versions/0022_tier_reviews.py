"""tiers are reviewed even when nothing happens: a function listing the tenants with an
affiliate above Bronze, for the job that lets tiers fall as earnings leave the 90-day window

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEWS = """
CREATE FUNCTION bitnexus_tier_reviews() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT DISTINCT tenant_id FROM (
        SELECT DISTINCT ON (tenant_id, user_id) tenant_id, tier FROM public.tier_changes
        ORDER BY tenant_id, user_id, created_at DESC, id DESC
    ) latest
    WHERE tier <> 'bronze'
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(REVIEWS)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_tier_reviews() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_tier_reviews() TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_tier_reviews()")
