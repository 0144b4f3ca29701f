"""the development mailbox is filed by tenant: each mail carries the tenant of the transaction
that sent it, row security shows a tenant's mail only inside that tenant, and the platform
admin reads every tenant's mail through `bitnexus_dev_mailbox`, which checks the caller and
writes the audit log. Mail kept before this migration (filed under no tenant) is dropped: it is
development mail whose links anyone could have read.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import CURRENT_TENANT, tenant_rls

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_MAIL = """
CREATE FUNCTION bitnexus_dev_mailbox(p_actor uuid, p_limit integer)
RETURNS TABLE (id integer, tenant_id uuid, recipient varchar, subject varchar, body text,
               sent_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM public.bitnexus_assert_platform_admin(p_actor);
    INSERT INTO public.platform_audit_log (actor_user_id, action)
        VALUES (p_actor, 'read_dev_mailbox');
    RETURN QUERY
        SELECT m.id, m.tenant_id, m.recipient, m.subject, m.body, m.sent_at
        FROM public.dev_mailbox m
        ORDER BY m.id DESC
        LIMIT least(greatest(p_limit, 1), 200);
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DELETE FROM dev_mailbox")
    op.add_column(
        "dev_mailbox",
        sa.Column("tenant_id", sa.Uuid(), server_default=sa.text(CURRENT_TENANT), nullable=False),
    )
    op.create_foreign_key(
        op.f("fk_dev_mailbox_tenant_id_tenants"), "dev_mailbox", "tenants", ["tenant_id"], ["id"]
    )
    op.create_index("ix_dev_mailbox_tenant_id_id", "dev_mailbox", ["tenant_id", "id"])
    op.execute(f'REVOKE ALL ON dev_mailbox FROM "{app_role}"')
    for statement in tenant_rls("dev_mailbox", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    op.execute(ALL_MAIL)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_dev_mailbox(uuid, integer) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_dev_mailbox(uuid, integer) TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_dev_mailbox(uuid, integer)")
    op.execute("DROP POLICY owner_all ON dev_mailbox")
    op.execute("DROP POLICY tenant_isolation ON dev_mailbox")
    op.execute("ALTER TABLE dev_mailbox NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE dev_mailbox DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_dev_mailbox_tenant_id_id", table_name="dev_mailbox")
    op.drop_constraint(op.f("fk_dev_mailbox_tenant_id_tenants"), "dev_mailbox", type_="foreignkey")
    op.drop_column("dev_mailbox", "tenant_id")
