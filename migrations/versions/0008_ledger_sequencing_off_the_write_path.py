"""ledger: sequence numbers, leaves and balances move off the write path

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

An append now inserts its transaction and postings in one statement and takes no tenant-wide
lock. The integrator (one per tenant at a time, under the tree-state row lock) gives committed
transactions their gapless sequence numbers and RFC 8785 leaves, and rolls their postings into
the stored balances, through `bitnexus_ledger_sequence`: the runtime role still cannot UPDATE a
ledger row, and this SECURITY DEFINER function is the one door, which fills `seq` and `leaf`
exactly once, in order, for the caller's own tenant. The per-tenant sequencer row is gone, and
so is the balances' copy of `may_go_negative` (appends check the account's own).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_V1 = """
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

# Tenants with transactions not yet in a block: `unsequenced` of them still wait for their
# sequence number (the integrator's work), `pending` counts both kinds (the sealer's).
QUEUE_V2 = """
CREATE FUNCTION bitnexus_ledger_sealing_queue()
RETURNS TABLE (tenant_id uuid, slug text, pending bigint, unsequenced bigint,
               oldest_pending timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT t.id, t.slug::text, s.n + u.n, u.n, least(s.oldest, u.oldest)
    FROM public.tenants t
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(x.created_at) AS oldest
        FROM public.ledger_transactions x
        WHERE x.tenant_id = t.id
          AND x.seq >= coalesce(
              (SELECT b.tree_size FROM public.ledger_blocks b
               WHERE b.tenant_id = t.id ORDER BY b.height DESC LIMIT 1), 0)
    ) s
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(x.created_at) AS oldest
        FROM public.ledger_transactions x
        WHERE x.tenant_id = t.id AND x.seq IS NULL
    ) u
    WHERE s.n + u.n > 0
$$
"""

SEQUENCE = """
CREATE FUNCTION bitnexus_ledger_sequence(p_first bigint, p_ids uuid[], p_leaves bytea[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_tenant uuid := nullif(current_setting('bitnexus.tenant_id', true), '')::uuid;
    v_next bigint;
    v_done bigint;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'bitnexus_ledger_sequence: no tenant in this transaction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF cardinality(p_ids) IS DISTINCT FROM cardinality(p_leaves) THEN
        RAISE EXCEPTION 'bitnexus_ledger_sequence: % ids but % leaves',
            cardinality(p_ids), cardinality(p_leaves) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Gapless: the batch starts right after the last sequenced transaction.
    SELECT coalesce(max(seq) + 1, 0) INTO v_next
    FROM public.ledger_transactions WHERE tenant_id = v_tenant;
    IF p_first <> v_next THEN
        RAISE EXCEPTION 'bitnexus_ledger_sequence: batch starts at %, the log at %', p_first, v_next
            USING ERRCODE = 'serialization_failure';
    END IF;
    UPDATE public.ledger_transactions x
    SET seq = p_first + u.ord - 1, leaf = u.leaf
    FROM unnest(p_ids, p_leaves) WITH ORDINALITY AS u(id, leaf, ord)
    WHERE x.tenant_id = v_tenant AND x.id = u.id AND x.seq IS NULL;
    GET DIAGNOSTICS v_done = ROW_COUNT;
    IF v_done <> coalesce(cardinality(p_ids), 0) THEN
        RAISE EXCEPTION 'bitnexus_ledger_sequence: % of % transactions were unsequenced',
            v_done, cardinality(p_ids) USING ERRCODE = 'serialization_failure';
    END IF;
    -- Balances in account order (as appends lock them), each on its account's normal side.
    PERFORM 1 FROM public.ledger_balances b
    WHERE b.tenant_id = v_tenant AND b.account_id IN (
        SELECT p.account_id FROM public.ledger_postings p
        WHERE p.tenant_id = v_tenant AND p.transaction_id = ANY (p_ids))
    ORDER BY b.account_id FOR UPDATE;
    UPDATE public.ledger_balances b SET balance = b.balance + d.delta
    FROM (
        SELECT p.account_id,
               sum(p.amount * CASE WHEN a.kind IN ('asset', 'expense') THEN 1 ELSE -1 END) AS delta
        FROM public.ledger_postings p
        JOIN public.ledger_accounts a ON a.tenant_id = p.tenant_id AND a.id = p.account_id
        WHERE p.tenant_id = v_tenant AND p.transaction_id = ANY (p_ids)
        GROUP BY p.account_id
    ) d
    WHERE b.tenant_id = v_tenant AND b.account_id = d.account_id;
    RETURN p_first + v_done;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.alter_column("ledger_transactions", "seq", existing_type=sa.BigInteger(), nullable=True)
    op.alter_column("ledger_transactions", "leaf", existing_type=sa.LargeBinary(), nullable=True)
    op.create_check_constraint(
        "ck_ledger_transactions_sequenced_whole",
        "ledger_transactions",
        "(seq IS NULL) = (leaf IS NULL)",
    )
    op.create_index(
        "ix_ledger_transactions_unsequenced",
        "ledger_transactions",
        ["tenant_id", "created_at", "id"],
        postgresql_where=sa.text("seq IS NULL"),
    )
    op.drop_table("ledger_sequencers")
    # The account's own flag is the one appends check; this copy was the old UPDATE's guard.
    op.drop_column("ledger_balances", "may_go_negative")
    op.execute("DROP FUNCTION bitnexus_ledger_sealing_queue()")
    op.execute(QUEUE_V2)
    op.execute(SEQUENCE)
    for fn in (
        "bitnexus_ledger_sealing_queue()",
        "bitnexus_ledger_sequence(bigint, uuid[], bytea[])",
    ):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {fn} TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    # Only possible once the integrator has sequenced every transaction.
    op.execute("DROP FUNCTION bitnexus_ledger_sequence(bigint, uuid[], bytea[])")
    op.execute("DROP FUNCTION bitnexus_ledger_sealing_queue()")
    op.execute(QUEUE_V1)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_ledger_sealing_queue() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_ledger_sealing_queue() TO "{app_role}"')
    op.create_table(
        "ledger_sequencers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("next_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_sequencers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_ledger_sequencers")),
    )
    op.execute(
        "INSERT INTO ledger_sequencers (tenant_id, next_seq) "
        "SELECT tenant_id, max(seq) + 1 FROM ledger_transactions GROUP BY tenant_id"
    )
    from bitnexus.core.rls import tenant_rls

    for statement in tenant_rls("ledger_sequencers", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)
    op.add_column(
        "ledger_balances",
        sa.Column("may_go_negative", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.execute(
        "UPDATE ledger_balances b SET may_go_negative = a.may_go_negative FROM ledger_accounts a "
        "WHERE a.tenant_id = b.tenant_id AND a.id = b.account_id"
    )
    op.drop_index("ix_ledger_transactions_unsequenced", table_name="ledger_transactions")
    op.drop_constraint(
        "ck_ledger_transactions_sequenced_whole", "ledger_transactions", type_="check"
    )
    op.alter_column("ledger_transactions", "leaf", existing_type=sa.LargeBinary(), nullable=False)
    op.alter_column("ledger_transactions", "seq", existing_type=sa.BigInteger(), nullable=False)
