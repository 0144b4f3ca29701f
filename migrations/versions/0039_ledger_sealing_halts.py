"""ledger: the sequencer never numbers below the tree, and a tampered log halts sealing

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04

`bitnexus_ledger_sequence` now also refuses a batch that starts below the tenant's tree size
(the newest transactions were deleted: numbering from `max(seq) + 1` would reuse numbers the
signed tree already holds). `ledger_tree_states.halted_at` is set when the sealer finds the log
tampered with: nothing more is sequenced or signed for that tenant until an operator resumes it
(`bitnexus ledger resume`). The sealer records its alarm in `ledger_alarms`, which therefore no
longer always comes with a mirror's API key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD_V1 = """
    -- Gapless: the batch starts right after the last sequenced transaction.
    SELECT coalesce(max(seq) + 1, 0) INTO v_next
    FROM public.ledger_transactions WHERE tenant_id = v_tenant;
"""

GUARD_V2 = """
    -- Gapless: the batch starts right after the last sequenced transaction, and never below
    -- the tree (a deleted tail must not have its numbers given to new transactions).
    SELECT coalesce(max(seq) + 1, 0) INTO v_next
    FROM public.ledger_transactions WHERE tenant_id = v_tenant;
    IF p_first = v_next AND p_first < (SELECT coalesce(max(s.size), 0)
                                       FROM public.ledger_tree_states s
                                       WHERE s.tenant_id = v_tenant) THEN
        RAISE EXCEPTION 'bitnexus_ledger_sequence: batch starts at %, below the tree', p_first
            USING ERRCODE = 'data_corrupted';
    END IF;
"""


# the function of migration 0008, with `{guard}` for its gapless check
SEQUENCE = """
CREATE OR REPLACE FUNCTION bitnexus_ledger_sequence(p_first bigint, p_ids uuid[], p_leaves bytea[])
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
{guard}    IF p_first <> v_next THEN
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
    op.add_column(
        "ledger_tree_states", sa.Column("halted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.alter_column("ledger_alarms", "api_key_id", existing_type=sa.Uuid(), nullable=True)
    op.execute(SEQUENCE.replace("{guard}", GUARD_V2))


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(SEQUENCE.replace("{guard}", GUARD_V1))
    # ledger_alarms.api_key_id stays nullable: the sealer's alarms are evidence, never dropped
    op.drop_column("ledger_tree_states", "halted_at")
