"""the caller of a request that reads nothing but its principal (GET /me, read by every page of
the web app) is read by one statement that scopes itself to its tenant: `bitnexus_principal`
sets the tenant transaction-locally and then reads the user and their tenant under row security,
so the statement's own implicit transaction is the request's one tenant-scoped unit of work, in
one round trip instead of three (BEGIN with the tenant, the read, COMMIT).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SECURITY INVOKER (the default): the read runs as the caller, so row security applies to it.
PRINCIPAL = """
CREATE FUNCTION bitnexus_principal(p_tenant uuid, p_user uuid)
RETURNS TABLE (
    email varchar, name varchar, role varchar, status varchar, referral_code varchar,
    referred_by_id uuid, created_at timestamptz, password_changed_at timestamptz,
    tenant_id uuid, slug varchar, tenant_name varchar, display_name varchar,
    brand_color varchar, logo_sha256 varchar, default_currency varchar, tenant_status varchar
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('bitnexus.tenant_id', p_tenant::text, true);
    RETURN QUERY
        SELECT u.email, u.name, u.role, u.status, u.referral_code, u.referred_by_id,
               u.created_at, u.password_changed_at, t.id, t.slug, t.name, t.display_name,
               t.brand_color, t.logo_sha256, t.default_currency, t.status
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE u.id = p_user;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(PRINCIPAL)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_principal(uuid, uuid) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_principal(uuid, uuid) TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_principal(uuid, uuid)")
