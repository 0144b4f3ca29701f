"""ledger alarms keep their evidence: a witness's refusal of a checkpoint, with both checkpoints

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-04

`ledger_alarms.evidence` (JSONB, null for alarms that carry none) keeps what an alarm was raised
on, verbatim: for a witness's refusal, the checkpoint offered (with its signatures), the one the
witness last cosigned (with its cosignature line), the request sent (old size and consistency
proof) and the witness's answer. `ledger_alarms.subject` names what an alarm is about when the
same finding can come again (a refused checkpoint is pushed again with back-off, from every
server process): unique per tenant, so it is recorded once. Null subjects never collide.
The table keeps its row security, grants (SELECT, INSERT) and append-only trigger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "ledger_alarms",
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column("ledger_alarms", sa.Column("subject", sa.String(length=300), nullable=True))
    op.create_unique_constraint(
        op.f("uq_ledger_alarms_tenant_id_subject"), "ledger_alarms", ["tenant_id", "subject"]
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_constraint(op.f("uq_ledger_alarms_tenant_id_subject"), "ledger_alarms", type_="unique")
    op.drop_column("ledger_alarms", "subject")
    op.drop_column("ledger_alarms", "evidence")
