"""Two organisations side by side: every endpoint with the other's ids gives 404, never data."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.factories import Account, invite_and_accept, signup_affiliate, signup_org


@pytest.fixture
async def two_tenants(make_client: ClientFactory) -> tuple[Account, Account, dict[str, str]]:
    a = await signup_org(make_client())
    b = await signup_org(make_client())
    b_vendor = await invite_and_accept(b, make_client(), role="vendor")
    b_aff = await signup_affiliate(make_client(), b.slug)
    inv = await b.client.post(
        "/api/v1/invitations",
        headers=b.headers,
        json={"email": "pending@example.com", "role": "vendor"},
    )
    return (
        a,
        b,
        {
            "vendor": b_vendor.id,
            "affiliate": b_aff.id,
            "admin": b.id,
            "invitation": inv.json()["id"],
            "tenant": b.tenant_id,
        },
    )


@pytest.mark.parametrize("whose", ["vendor", "affiliate", "admin"])
async def test_tenant_a_cannot_read_or_change_tenant_b_users(
    two_tenants: tuple[Account, Account, dict[str, str]], whose: str
) -> None:
    a, b, ids = two_tenants
    c, h, user = a.client, a.headers, f"/api/v1/users/{ids[whose]}"

    read = await c.get(user, headers=h)
    suspended = await c.patch(user, headers=h, json={"status": "suspended"})
    promoted = await c.patch(user, headers=h, json={"role": "tenant_admin"})

    assert (read.status_code, suspended.status_code, promoted.status_code) == (404, 404, 404)
    await _assert_b_untouched(b)


async def test_tenant_a_cannot_read_or_touch_tenant_b(
    two_tenants: tuple[Account, Account, dict[str, str]],
) -> None:
    a, b, ids = two_tenants
    h = a.headers
    c: httpx.AsyncClient = a.client

    assert (
        await c.delete(f"/api/v1/invitations/{ids['invitation']}", headers=h)
    ).status_code == 404
    assert (
        await c.post(f"/api/v1/platform/tenants/{ids['tenant']}/suspend", headers=h)
    ).status_code == 403

    listed = (await c.get("/api/v1/users?limit=200", headers=h)).json()["items"]
    invitations = (await c.get("/api/v1/invitations?limit=200", headers=h)).json()["items"]
    settings = (await c.get("/api/v1/tenant/settings", headers=h)).json()
    me = (await c.get("/api/v1/me", headers=h)).json()

    assert {u["id"] for u in listed} == {a.id}
    assert invitations == []
    assert settings["slug"] == a.slug
    assert me["tenant"]["id"] == a.tenant_id

    await _assert_b_untouched(b)


async def _assert_b_untouched(b: Account) -> None:
    b_users = (await b.client.get("/api/v1/users?limit=200", headers=b.headers)).json()["items"]
    assert {u["status"] for u in b_users} == {"active"}
    assert {u["role"] for u in b_users} == {"tenant_admin", "vendor", "affiliate"}


async def test_tenant_b_admin_cannot_see_a_users_even_via_search(
    two_tenants: tuple[Account, Account, dict[str, str]],
) -> None:
    a, b, _ = two_tenants
    r = await b.client.get(f"/api/v1/users?q={a.email}", headers=b.headers)
    assert r.json()["items"] == []


async def test_settings_changes_stay_in_their_tenant(
    two_tenants: tuple[Account, Account, dict[str, str]],
) -> None:
    a, b, _ = two_tenants
    await a.client.patch(
        "/api/v1/tenant/settings", headers=a.headers, json={"brand_color": "#123456"}
    )
    b_settings = (await b.client.get("/api/v1/tenant/settings", headers=b.headers)).json()
    assert b_settings["brand_color"] != "#123456"
