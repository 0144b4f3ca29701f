"""api keys (scoped, hashed, revocable), ledger alarms raised by mirrors (append-only), and the
tenants with signed blocks (so a restarted sealer asks newly configured witnesses to cosign)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_api_keys_tenant_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_api_keys_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_api_keys_tenant_id_id")),
    )
    op.create_index("ix_api_keys_tenant_id_user_id", "api_keys", ["tenant_id", "user_id"])
    for statement in tenant_rls("api_keys", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)

    op.create_table(
        "ledger_alarms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=True),
        sa.Column("entry_index", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "api_key_id"],
            ["api_keys.tenant_id", "api_keys.id"],
            name=op.f("fk_ledger_alarms_tenant_id_api_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_alarms_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_alarms")),
    )
    op.create_index(
        "ix_ledger_alarms_tenant_id_created_at", "ledger_alarms", ["tenant_id", "created_at"]
    )
    for statement in tenant_rls("ledger_alarms", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in append_only("ledger_alarms"):
        op.execute(statement)

    op.execute(
        """
        CREATE FUNCTION bitnexus_ledger_signed_tenants()
        RETURNS TABLE (tenant_id uuid, slug text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT t.id, t.slug::text FROM public.tenants t
            WHERE EXISTS (SELECT 1 FROM public.ledger_blocks b WHERE b.tenant_id = t.id)
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION bitnexus_ledger_signed_tenants() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_ledger_signed_tenants() TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION IF EXISTS bitnexus_ledger_signed_tenants()")
    op.drop_table("ledger_alarms")
    op.drop_table("api_keys")
