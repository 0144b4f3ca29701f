"""a per-user credential version: a password change or reset and "log out everywhere" bump it,
and every access token and refresh token carries the version it was issued under, so each one
issued before the bump ends, however close in time (a comparison of whole seconds let a token
issued in the same second as a reset live on). `bitnexus_principal` returns the version too.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migration 0028's function; the new one adds the user's credential version as a last column.
_PRINCIPAL = """
CREATE FUNCTION bitnexus_principal(p_tenant uuid, p_user uuid)
RETURNS TABLE (
    email varchar, name varchar, role varchar, status varchar, referral_code varchar,
    referred_by_id uuid, created_at timestamptz, password_changed_at timestamptz,
    tenant_id uuid, slug varchar, tenant_name varchar, display_name varchar,
    brand_color varchar, logo_sha256 varchar, default_currency varchar, tenant_status varchar{out}
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('bitnexus.tenant_id', p_tenant::text, true);
    RETURN QUERY
        SELECT u.email, u.name, u.role, u.status, u.referral_code, u.referred_by_id,
               u.created_at, u.password_changed_at, t.id, t.slug, t.name, t.display_name,
               t.brand_color, t.logo_sha256, t.default_currency, t.status{col}
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE u.id = p_user;
END
$$
"""
PRINCIPAL = _PRINCIPAL.format(out=",\n    credential_version integer", col=", u.credential_version")
PREVIOUS = _PRINCIPAL.format(out="", col="")


def _grant(app_role: str) -> None:
    op.execute("REVOKE ALL ON FUNCTION bitnexus_principal(uuid, uuid) FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_principal(uuid, uuid) TO "{app_role}"')


def upgrade(app_role: str = "bitnexus_app") -> None:
    for table in ("users", "refresh_tokens"):
        op.add_column(
            table,
            sa.Column("credential_version", sa.Integer(), server_default="0", nullable=False),
        )
    op.execute("DROP FUNCTION bitnexus_principal(uuid, uuid)")
    op.execute(PRINCIPAL)
    _grant(app_role)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_principal(uuid, uuid)")
    op.execute(PREVIOUS)
    _grant(app_role)
    for table in ("refresh_tokens", "users"):
        op.drop_column(table, "credential_version")
