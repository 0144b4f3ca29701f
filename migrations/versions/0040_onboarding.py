"""onboarding: when an organisation first saved its commission policy, and when its admins put
the getting-started checklist away

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04

The other steps of the checklist are read from what the organisation has (a logo, products,
affiliates or invitations, API keys, sales); these two leave nothing else behind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.add_column("tenants", sa.Column("policy_saved_at", sa.DateTime(timezone=True)))
    op.add_column("tenants", sa.Column("onboarding_dismissed_at", sa.DateTime(timezone=True)))


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_column("tenants", "onboarding_dismissed_at")
    op.drop_column("tenants", "policy_saved_at")
