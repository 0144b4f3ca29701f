"""Content across organisations: another tenant's generated posts and credit usage do not
exist, in the API and in SQL as the runtime role."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from tests.conftest import ClientFactory
from tests.content.support import approved_product, credits_of, generate, history_of
from tests.factories import Program, new_program

CONTENT_TABLES = ["content_generations", "content_credit_usage"]


@pytest.fixture
async def two(make_client: ClientFactory) -> tuple[Program, Program, dict[str, object]]:
    """Organisation B whose affiliate generated a post, and organisation A."""
    b = await new_program(make_client)
    product = await approved_product(b)
    r = await generate(b.affiliate, product["id"])
    assert r.status_code == 201, r.text
    a = await new_program(make_client)
    return a, b, {"product": product, "post": r.json()}


async def test_another_organisations_posts_and_credits_are_invisible(
    two: tuple[Program, Program, dict[str, object]],
) -> None:
    a, b, _ = two

    for who in (a.admin, a.affiliate):
        assert await history_of(who) == []
        assert (await credits_of(who))["used"] == 0
    assert (await credits_of(b.admin))["used"] == 1
    assert len(await history_of(b.admin)) == 1


async def test_another_organisations_product_cannot_be_promoted(
    two: tuple[Program, Program, dict[str, object]],
) -> None:
    a, _, made = two
    product = made["product"]
    assert isinstance(product, dict)

    r = await generate(a.affiliate, product["id"])

    assert r.status_code == 404
    assert (await credits_of(a.affiliate))["used"] == 0


async def test_runtime_role_sees_and_writes_only_its_tenants_content_rows(
    app_engine: Engine, two: tuple[Program, Program, dict[str, object]]
) -> None:
    a, b, _ = two
    with app_engine.begin() as conn:
        unscoped = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in CONTENT_TABLES
        }
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": a.admin.tenant_id}
        )
        as_a = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in CONTENT_TABLES}

    assert unscoped == dict.fromkeys(CONTENT_TABLES, 0)
    assert as_a == dict.fromkeys(CONTENT_TABLES, 0)
    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": a.admin.tenant_id}
        )
        conn.execute(
            text(
                "INSERT INTO content_credit_usage (tenant_id, month, used) "
                "VALUES (:b, date '2026-01-01', 0)"
            ),
            {"b": b.admin.tenant_id},
        )


def test_history_cannot_be_rewritten_by_the_runtime_role(app_engine: Engine) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"), app_engine.begin() as conn:
        conn.execute(text("UPDATE content_generations SET body = 'x'"))
