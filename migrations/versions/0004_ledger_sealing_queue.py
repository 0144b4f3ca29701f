"""ledger sealing queue: which tenants have transactions waiting for a block

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

The sealer runs as the runtime role, which sees one tenant at a time; this SECURITY DEFINER
function is its narrow window onto all tenants: ids, slugs and counts only, never ledger rows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(
        """
        CREATE FUNCTION bitnexus_ledger_sealing_queue()
        RETURNS TABLE (tenant_id uuid, slug text, pending bigint, oldest_pending timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT t.id, t.slug::text, q.pending, q.oldest
            FROM public.tenants t
            JOIN LATERAL (
                SELECT count(*) AS pending, min(x.created_at) AS oldest
                FROM public.ledger_transactions x
                WHERE x.tenant_id = t.id
                  AND x.seq >= coalesce(
                      (SELECT b.tree_size FROM public.ledger_blocks b
                       WHERE b.tenant_id = t.id ORDER BY b.height DESC LIMIT 1), 0)
            ) q ON q.pending > 0
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION bitnexus_ledger_sealing_queue() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_ledger_sealing_queue() TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_ledger_sealing_queue()")
