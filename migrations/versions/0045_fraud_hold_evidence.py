"""fraud holds keep what each rule found

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-04

`fraud_holds.evidence` (JSONB, one object per reason) keeps the facts each fraud rule found when
it held a sale: which of the affiliate's own identifiers the customer matched (email, account or
the address they signed in from, with the day), how many seconds the sale came after its click
and the rule's minimum, how many sales one address made in 24 hours and the rule's limit, the
window a coupon sale had no click in. Admins read them in the fraud queue. Holds made before
keep an empty list and are explained by their reasons alone. Row security is unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column(
        "fraud_holds",
        sa.Column(
            "evidence",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_column("fraud_holds", "evidence")
