"""ops metrics: the figures `/metrics` reads across organisations, as aggregates only

One SECURITY DEFINER function, `bitnexus_ops_metrics()`, run by the runtime role at scrape time
(`core.metrics.collector`). Row security keeps the runtime role inside one tenant per
transaction, and a scrape belongs to none, so it reads through this one door, as the sealer
does (`bitnexus_ledger_sealing_queue`, migration 0008). What comes out is counts, ages and
times, labelled at most by an organisation's id or a consumer's name: no organisation's data
(no slug, amount, user or event body) leaves through it. EXECUTE is revoked from PUBLIC and
granted to the runtime role alone; the search path is pinned.

Rows: (metric, label, value), the metric names as exported (`DATABASE_FAMILIES` there).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "bitnexus_ops_metrics()"

# The outbox backlog is counted up to 100,000 events: a scrape stays cheap however far
# behind a consumer is (its lag in seconds says how far).
FUNCTION = """
CREATE FUNCTION bitnexus_ops_metrics()
RETURNS TABLE (metric text, label text, value double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH heads AS (
        SELECT t.id AS tenant_id, b.created_at AS last_block_at
        FROM public.tenants t
        LEFT JOIN LATERAL (
            SELECT x.created_at FROM public.ledger_blocks x
            WHERE x.tenant_id = t.id ORDER BY x.height DESC LIMIT 1
        ) b ON true
    ),
    ledger AS (
        SELECT h.tenant_id, h.last_block_at, coalesce(q.pending, 0) AS pending,
               q.oldest_pending
        FROM heads h
        LEFT JOIN public.bitnexus_ledger_sealing_queue() q ON q.tenant_id = h.tenant_id
        WHERE h.last_block_at IS NOT NULL OR q.pending > 0
    ),
    alarms AS (
        SELECT a.tenant_id, count(*) AS n, max(a.created_at) AS latest
        FROM public.ledger_alarms a GROUP BY a.tenant_id
    ),
    deliveries AS (
        SELECT count(*) AS pending,
               count(*) FILTER (WHERE d.next_attempt_at <= now()) AS due,
               min(d.next_attempt_at) FILTER (WHERE d.next_attempt_at <= now()) AS oldest_due
        FROM public.webhook_deliveries d WHERE d.status = 'pending'
    ),
    archiver AS (
        SELECT s.archived_count, s.failed_count, s.last_archived_time, s.last_failed_time,
               current_setting('archive_mode') IN ('on', 'always') AS enabled,
               CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                    ELSE pg_current_wal_lsn() END AS lsn
        FROM pg_stat_archiver s
    )
    SELECT 'bitnexus_ledger_unsealed_transactions', l.tenant_id::text, l.pending::float8
    FROM ledger l
    UNION ALL
    SELECT 'bitnexus_ledger_oldest_unsealed_seconds', l.tenant_id::text,
           coalesce(extract(epoch FROM now() - l.oldest_pending), 0)::float8
    FROM ledger l
    UNION ALL
    SELECT 'bitnexus_ledger_seconds_since_last_block', l.tenant_id::text,
           extract(epoch FROM now() - l.last_block_at)::float8
    FROM ledger l WHERE l.last_block_at IS NOT NULL
    UNION ALL
    SELECT 'bitnexus_ledger_alarms', a.tenant_id::text, a.n::float8 FROM alarms a
    UNION ALL
    SELECT 'bitnexus_ledger_last_alarm_timestamp_seconds', a.tenant_id::text,
           extract(epoch FROM a.latest)::float8
    FROM alarms a
    UNION ALL
    SELECT 'bitnexus_outbox_backlog_events', w.name::text,
           (SELECT count(*) FROM (
                SELECT 1 FROM public.outbox_events e WHERE e.id > w.last_event_id LIMIT 100000
           ) backlog)::float8
    FROM public.consumer_watermarks w
    UNION ALL
    SELECT 'bitnexus_outbox_consumer_lag_seconds', w.name::text,
           coalesce((SELECT extract(epoch FROM now() - e.created_at) FROM public.outbox_events e
                     WHERE e.id > w.last_event_id ORDER BY e.id LIMIT 1), 0)::float8
    FROM public.consumer_watermarks w
    UNION ALL
    SELECT 'bitnexus_webhook_deliveries_pending', NULL, d.pending::float8 FROM deliveries d
    UNION ALL
    SELECT 'bitnexus_webhook_deliveries_due', NULL, d.due::float8 FROM deliveries d
    UNION ALL
    SELECT 'bitnexus_webhook_oldest_due_seconds', NULL,
           coalesce(extract(epoch FROM now() - d.oldest_due), 0)::float8
    FROM deliveries d
    UNION ALL
    SELECT 'bitnexus_wal_archiving_enabled', NULL, CASE WHEN s.enabled THEN 1 ELSE 0 END
    FROM archiver s
    UNION ALL
    SELECT 'bitnexus_wal_archived', NULL, s.archived_count::float8 FROM archiver s
    UNION ALL
    SELECT 'bitnexus_wal_archive_failures', NULL, s.failed_count::float8 FROM archiver s
    UNION ALL
    SELECT 'bitnexus_wal_last_archived_timestamp_seconds', NULL,
           coalesce(extract(epoch FROM s.last_archived_time), 0)::float8
    FROM archiver s
    UNION ALL
    SELECT 'bitnexus_wal_last_failed_timestamp_seconds', NULL,
           coalesce(extract(epoch FROM s.last_failed_time), 0)::float8
    FROM archiver s
    UNION ALL
    SELECT 'bitnexus_wal_written_bytes', NULL,
           coalesce((s.lsn - '0/0'::pg_lsn), 0)::float8
    FROM archiver s
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
