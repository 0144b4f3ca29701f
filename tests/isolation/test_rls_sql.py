"""RLS as the runtime role, straight in SQL: the database itself refuses cross-tenant access."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from tests.conftest import ClientFactory
from tests.factories import Account, signup_affiliate, signup_org

TENANT_TABLES = [
    "tenants",
    "tenant_logos",
    "users",
    "refresh_tokens",
    "password_reset_tokens",
    "invitations",
    "dev_mailbox",
    "outbox_events",
]


def _as_tenant(conn: Connection, tenant_id: str) -> None:
    conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": tenant_id})


@pytest.fixture
async def pair(make_client: ClientFactory) -> tuple[Account, Account, Account]:
    a = await signup_org(make_client())
    b = await signup_org(make_client())
    b_aff = await signup_affiliate(make_client(), b.slug)
    return a, b, b_aff


def test_runtime_role_owns_nothing_and_cannot_bypass_rls(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        role = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owned = conn.execute(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE r.rolname = current_user"
            )
        ).scalar()
    assert tuple(role) == (False, False)
    assert owned == 0


def _tenant_tables(engine: Engine) -> set[str]:
    """Every table with a tenant_id column (plus tenants itself): all must be isolated."""
    with engine.connect() as conn:
        found = set(
            conn.execute(
                text(
                    "SELECT c.table_name FROM information_schema.columns c "
                    "JOIN information_schema.tables t USING (table_schema, table_name) "
                    "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
                    "AND c.column_name = 'tenant_id' AND c.table_name <> 'platform_audit_log'"
                )
            ).scalars()
        )
    return found | {"tenants"}


def test_every_tenant_table_forces_rls_with_the_tenant_policy(owner_engine: Engine) -> None:
    tables = _tenant_tables(owner_engine)
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "  EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname "
                "          AND p.policyname = 'tenant_isolation' "
                "          AND p.qual LIKE '%bitnexus.tenant_id%' AND p.with_check LIKE '%bitnexus.tenant_id%'"
                "          AND p.qual LIKE '%SELECT%' AND p.with_check LIKE '%SELECT%') "
                "  AS has_policy "
                "FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"
            ),
            {"t": list(tables)},
        ).all()
    assert set(TENANT_TABLES) <= tables
    assert {r.relname for r in rows} == tables
    assert all(r.relrowsecurity and r.relforcerowsecurity and r.has_policy for r in rows), rows


async def test_select_sees_only_current_tenant(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, b, _ = pair
    with app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        users = conn.execute(text("SELECT tenant_id::text FROM users")).scalars().all()
        tenants = conn.execute(text("SELECT id::text FROM tenants")).scalars().all()
        guessed = conn.execute(
            text("SELECT count(*) FROM users WHERE id = :id"), {"id": b.id}
        ).scalar()
    assert set(users) == {a.tenant_id}
    assert tenants == [a.tenant_id]
    assert guessed == 0


async def test_no_tenant_set_means_no_rows(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    with app_engine.begin() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TENANT_TABLES
        }

    assert counts == dict.fromkeys(TENANT_TABLES, 0)


async def test_insert_with_another_tenants_id_is_refused(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, b, _ = pair
    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        conn.execute(
            text(
                "INSERT INTO users (id, tenant_id, email, name, password_hash, role) "
                "VALUES (:id, :t, 'x@example.com', 'x', 'x', 'vendor')"
            ),
            {"id": str(uuid.uuid4()), "t": b.tenant_id},
        )


async def test_update_cannot_move_a_row_to_another_tenant(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, b, _ = pair
    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        conn.execute(
            text("UPDATE users SET tenant_id = :b WHERE id = :id"), {"b": b.tenant_id, "id": a.id}
        )


async def test_update_and_delete_of_other_tenant_rows_touch_nothing(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, b, _ = pair
    with app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        updated = conn.execute(
            text("UPDATE users SET name = 'pwned' WHERE id = :id"), {"id": b.id}
        ).rowcount
        deleted = conn.execute(
            text("DELETE FROM refresh_tokens WHERE tenant_id = :t"), {"t": b.tenant_id}
        ).rowcount
    assert (updated, deleted) == (0, 0)


async def test_reference_to_another_tenants_row_is_refused(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, _, b_aff = pair
    # A's own row trying to point at B's affiliate as its referrer: the composite FK refuses it.
    with pytest.raises(IntegrityError, match="fk_users_referred_by"), app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        conn.execute(
            text(
                "INSERT INTO users (id, tenant_id, email, name, password_hash, role, referral_code, referred_by_id) "
                "VALUES (:id, :t, 'y@example.com', 'y', 'x', 'affiliate', 'QQQQ2222', :ref)"
            ),
            {"id": str(uuid.uuid4()), "t": a.tenant_id, "ref": b_aff.id},
        )


async def test_runtime_role_cannot_read_audit_log_or_call_internal_functions(
    app_engine: Engine,
) -> None:
    with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
        conn.execute(text("SELECT * FROM platform_audit_log"))
    with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
        conn.execute(text("SELECT bitnexus_assert_platform_admin(:u)"), {"u": str(uuid.uuid4())})


async def test_platform_functions_refuse_non_platform_callers(
    app_engine: Engine, pair: tuple[Account, Account, Account]
) -> None:
    a, _, _ = pair
    with pytest.raises(DBAPIError, match="platform admin required"), app_engine.begin() as conn:
        _as_tenant(conn, a.tenant_id)
        conn.execute(
            text("SELECT * FROM bitnexus_platform_tenants(:u, NULL, NULL, 10)"), {"u": a.id}
        )
