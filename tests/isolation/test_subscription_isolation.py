"""Subscriptions across organisations: another tenant's subscription is invisible to its
vendors and admins, in the API and to the runtime role in SQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from tests.commissions.support import Shop, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, new_program


@pytest.fixture
async def foreign(program: Program, make_client: ClientFactory) -> Shop:
    """Organisation B's subscription SUB-1: a first sale through a click and a renewal."""
    shop = await open_shop(program, make_client)
    await settings(program.admin, recurring="forever")
    r = await shop.report(
        order_id="A-1", subscription_id="SUB-1", click_id=await shop.click(make_client())
    )
    assert r.status_code == 201, r.text
    r = await shop.report(order_id="A-2", subscription_id="SUB-1")
    assert r.json()["attribution"] == "renewal", r.text
    return shop


async def test_another_tenants_subscription_is_not_found(
    foreign: Shop, make_client: ClientFactory
) -> None:
    a = await new_program(make_client)

    for who in (a.vendor, a.admin):
        r = await who.client.get("/api/v1/conversions/subscriptions/SUB-1", headers=who.headers)
        assert r.status_code == 404, r.text


async def test_the_runtime_role_cannot_see_or_touch_another_tenants_subscriptions(
    foreign: Shop, make_client: ClientFactory, app_engine: Engine
) -> None:
    a = await new_program(make_client)
    b = foreign.program
    with app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": a.admin.tenant_id}
        )
        seen = conn.execute(text("SELECT count(*) FROM subscriptions")).scalar_one()
        touched = conn.execute(text("UPDATE subscriptions SET renewals = 99")).rowcount
        deleted = conn.execute(text("DELETE FROM subscriptions")).rowcount
    assert (seen, touched, deleted) == (0, 0, 0)

    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": a.admin.tenant_id}
        )
        conn.execute(
            text(
                "INSERT INTO subscriptions (id, tenant_id, vendor_id, subscription_ref,"
                " first_order_id, started_at) VALUES (:id, :t, :v, 'SUB-2', 'X', now())"
            ),
            {"id": str(uuid.uuid4()), "t": b.admin.tenant_id, "v": b.vendor.id},
        )
