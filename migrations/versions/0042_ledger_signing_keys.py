"""ledger: a signing key per organisation, rotatable; origins unique per installation

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-04

`ledger_signing_keys` publishes each organisation's verifier keys (current and retired; the
secrets live outside the database, ledger/keys.py). `ledger_tree_states.origin` fixes a log's
origin at its first seal: logs already signed keep the origin their first checkpoint states.
`ledger_installation` holds the installation's random id, which new origins name.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "ledger_signing_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("verifier_key", sa.String(length=400), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_ledger_signing_keys_version_positive")),
        sa.CheckConstraint(
            "kind IN ('legacy', 'tenant')", name=op.f("ck_ledger_signing_keys_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_signing_keys_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "version", name=op.f("pk_ledger_signing_keys")),
    )
    # UPDATE: a rotation sets the old key's retired_at (nothing else changes, nothing is deleted)
    for statement in tenant_rls("ledger_signing_keys", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)

    op.add_column("ledger_tree_states", sa.Column("origin", sa.String(length=300), nullable=True))
    op.execute(
        """
        UPDATE ledger_tree_states s SET origin = split_part(b.checkpoint, E'\\n', 1)
        FROM ledger_blocks b WHERE b.tenant_id = s.tenant_id AND b.height = 0
        """
    )

    op.create_table(
        "ledger_installation",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("installation_id", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_installation_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_installation")),
    )
    op.get_bind().execute(
        sa.text("INSERT INTO ledger_installation (id, installation_id) VALUES (1, :i)"),
        {"i": secrets.token_hex(8)},
    )
    op.execute(f'GRANT SELECT ON ledger_installation TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_table("ledger_installation")
    op.drop_column("ledger_tree_states", "origin")
    op.drop_table("ledger_signing_keys")
