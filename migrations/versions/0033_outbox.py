"""the transactional outbox: domain events are rows written with the change they report, under
row security like every tenant table. A statement trigger announces each statement's new ids
with `pg_notify` (delivered on commit, to every listening process); the dispatcher reads them
back, and catches up after a lost connection, through SECURITY DEFINER functions that only
read (or prune) the outbox.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import tenant_rls

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NOTIFY payloads must stay under 8,000 bytes: at most 300 ids of up to 19 digits and a comma.
NOTIFY = """
CREATE FUNCTION bitnexus_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bitnexus_outbox', ids)
    FROM (
        SELECT string_agg(id::text, ',' ORDER BY id) AS ids
        FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 300 AS chunk
              FROM new_events) numbered
        GROUP BY chunk
    ) chunks;
    RETURN NULL;
END
$$
"""
ANNOUNCE = (
    "CREATE TRIGGER announce AFTER INSERT ON outbox_events REFERENCING NEW TABLE AS new_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION bitnexus_outbox_notify()"
)

_ROW = """RETURNS TABLE (id bigint, tenant_id uuid, type varchar, topics jsonb, data jsonb,
                      created_at timestamptz)"""
FUNCTIONS = {
    "bitnexus_outbox_read(bigint[])": f"""
        CREATE FUNCTION bitnexus_outbox_read(p_ids bigint[]) {_ROW}
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT e.id, e.tenant_id, e.type, e.topics, e.data, e.created_at
            FROM public.outbox_events e WHERE e.id = ANY(p_ids) ORDER BY e.id
        $$""",
    "bitnexus_outbox_since(timestamptz, bigint, integer)": f"""
        CREATE FUNCTION bitnexus_outbox_since(p_since timestamptz, p_after bigint,
                                              p_limit integer) {_ROW}
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT e.id, e.tenant_id, e.type, e.topics, e.data, e.created_at
            FROM public.outbox_events e
            WHERE e.created_at >= p_since AND e.id > p_after
            ORDER BY e.id LIMIT least(greatest(p_limit, 1), 10000)
        $$""",
    "bitnexus_outbox_prune(timestamptz, integer)": """
        CREATE FUNCTION bitnexus_outbox_prune(p_before timestamptz, p_limit integer)
        RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            WITH gone AS (
                DELETE FROM public.outbox_events WHERE id IN (
                    SELECT id FROM public.outbox_events WHERE created_at < p_before
                    ORDER BY created_at LIMIT least(greatest(p_limit, 1), 10000)
                ) RETURNING 1
            )
            SELECT count(*)::integer FROM gone
        $$""",
}


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("topics", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index("ix_outbox_events_tenant_id_id", "outbox_events", ["tenant_id", "id"])
    op.create_index("ix_outbox_events_created_at", "outbox_events", ["created_at"])
    # the runtime role writes and reads its tenant's events; only the owner's pruning deletes
    for statement in tenant_rls("outbox_events", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    op.execute(NOTIFY)
    op.execute(ANNOUNCE)
    for signature, body in FUNCTIONS.items():
        op.execute(body)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {signature} TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
    op.drop_table("outbox_events")
    op.execute("DROP FUNCTION bitnexus_outbox_notify()")
