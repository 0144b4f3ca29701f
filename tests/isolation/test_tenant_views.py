"""Tenant views (`core.rls.tenant_view`): read as their owner so that indexes serve any
condition, they apply the tenant rule themselves — and the runtime role may only read them."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.conftest import ClientFactory
from tests.factories import new_program

VIEWS = ["product_search", "title_word_search"]


def _as_tenant(conn: Connection, tenant_id: str) -> None:
    conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": tenant_id})


def test_every_view_with_tenant_rows_applies_the_tenant_rule(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.table_name, pg_get_viewdef(v.table_name::regclass) AS body "
                "FROM information_schema.views v JOIN information_schema.columns c "
                "USING (table_schema, table_name) "
                "WHERE v.table_schema = 'public' AND c.column_name = 'tenant_id'"
            )
        ).all()
    assert sorted(r.table_name for r in rows) == VIEWS
    for r in rows:
        rule = "WHERE (tenant_id = ( SELECT (NULLIF(current_setting('bitnexus.tenant_id'"
        assert rule in " ".join(r.body.split()), r.body


@pytest.mark.parametrize("view", VIEWS)
async def test_a_view_shows_only_the_current_tenants_rows(
    app_engine: Engine, make_client: ClientFactory, view: str
) -> None:
    # given two organisations, each with an approved product
    a, b = await new_program(make_client), await new_program(make_client)
    await a.approved()
    await b.approved()

    with app_engine.begin() as conn:
        # when A's transaction reads the view, even asking for B's rows
        _as_tenant(conn, a.admin.tenant_id)
        seen = conn.execute(text(f"SELECT DISTINCT tenant_id::text FROM {view}")).scalars().all()
        guessed = conn.execute(
            text(f"SELECT count(*) FROM {view} WHERE tenant_id = :t"), {"t": b.admin.tenant_id}
        ).scalar()

    # then only A's rows are there
    assert seen == [a.admin.tenant_id]
    assert guessed == 0


@pytest.mark.parametrize("view", VIEWS)
async def test_a_view_without_a_tenant_shows_nothing(
    app_engine: Engine, make_client: ClientFactory, view: str
) -> None:
    program = await new_program(make_client)
    await program.approved()

    with app_engine.begin() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {view}")).scalar()

    assert count == 0


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE {view} SET tenant_id = tenant_id", id="update"),
        pytest.param("DELETE FROM {view}", id="delete"),
    ],
)
@pytest.mark.parametrize("view", VIEWS)
async def test_the_runtime_role_cannot_write_through_a_view(
    app_engine: Engine, make_client: ClientFactory, view: str, statement: str
) -> None:
    program = await new_program(make_client)
    await program.approved()

    with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
        _as_tenant(conn, program.admin.tenant_id)
        conn.execute(text(statement.format(view=view)))
