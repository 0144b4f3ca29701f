"""Tenant admins manage users; affiliates join with referral codes; invitations."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.factories import (
    PASSWORD,
    invite_and_accept,
    login,
    signup_affiliate,
    signup_org,
    unique_email,
)


async def test_affiliate_signup_gets_referral_code_and_records_referrer(
    make_client: ClientFactory,
) -> None:
    admin = await signup_org(make_client())
    alice = await signup_affiliate(make_client(), admin.slug)

    bob = await signup_affiliate(
        make_client(), admin.slug, referral_code=alice.user["referral_code"].lower()
    )

    assert alice.user["role"] == "affiliate"
    assert len(alice.user["referral_code"]) == 8
    assert bob.user["referred_by_id"] == alice.id
    assert bob.user["referral_code"] != alice.user["referral_code"]


async def test_affiliate_signup_with_unknown_code_is_refused(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    r = await make_client().post(
        f"/api/v1/public/tenants/{admin.slug}/applications",
        json={
            "name": "N",
            "email": unique_email(),
            "referral_code": "ZZZZ9999",
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "referral_code"


async def test_referral_code_of_another_tenant_does_not_work(make_client: ClientFactory) -> None:
    a, b = await signup_org(make_client()), await signup_org(make_client())
    alice_in_a = await signup_affiliate(make_client(), a.slug)
    r = await make_client().post(
        f"/api/v1/public/tenants/{b.slug}/applications",
        json={
            "name": "N",
            "email": unique_email(),
            "referral_code": alice_in_a.user["referral_code"],
        },
    )
    assert r.status_code == 422


async def test_invitation_flow(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    c = make_client()

    vendor = await invite_and_accept(admin, c, role="vendor")

    assert vendor.user["role"] == "vendor"
    assert vendor.slug == admin.slug
    reused = await make_client().post(
        f"/api/v1/public/invitations/{vendor.extra['invite_token']}/accept",
        json={"name": "Again", "password": PASSWORD},
    )
    assert reused.status_code == 409
    listed = (await admin.client.get("/api/v1/invitations", headers=admin.headers)).json()
    assert listed["items"][0]["status"] == "accepted"
    assert listed["items"][0]["accept_url"] is None


async def test_invitation_preview_and_revoke(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    r = await admin.client.post(
        "/api/v1/invitations",
        headers=admin.headers,
        json={"email": unique_email(), "role": "tenant_admin"},
    )
    inv = r.json()
    token = inv["accept_url"].rsplit("/", 1)[1]
    anon = make_client()

    preview = await anon.get(f"/api/v1/public/invitations/{token}")
    revoke = await admin.client.delete(f"/api/v1/invitations/{inv['id']}", headers=admin.headers)
    after = await anon.get(f"/api/v1/public/invitations/{token}")

    assert preview.status_code == 200
    assert preview.json()["role"] == "tenant_admin"
    assert preview.json()["tenant"]["slug"] == admin.slug
    assert revoke.status_code == 204
    assert after.status_code == 409
    assert (await anon.get("/api/v1/public/invitations/bnxt_garbage")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/invitations"),
        ("PATCH", "/api/v1/users/{admin}"),
        ("GET", "/api/v1/tenant/settings"),
    ],
    ids=["list-users", "invite", "change-a-user", "read-settings"],
)
async def test_only_tenant_admins_manage_users(
    make_client: ClientFactory, method: str, path: str
) -> None:
    admin = await signup_org(make_client())
    aff = await signup_affiliate(make_client(), admin.slug)

    r = await aff.client.request(
        method,
        path.format(admin=admin.id),
        headers=aff.headers,
        json={"email": unique_email(), "role": "vendor"},
    )

    assert r.status_code == 403, r.text


async def test_list_users_paginates_with_cursor_and_searches(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    for i in range(4):
        await signup_affiliate(make_client(), admin.slug, name=f"Pager {i}")

    first = (await admin.client.get("/api/v1/users?limit=2", headers=admin.headers)).json()
    second = (
        await admin.client.get(
            f"/api/v1/users?limit=2&cursor={first['next_cursor']}", headers=admin.headers
        )
    ).json()
    third = (
        await admin.client.get(
            f"/api/v1/users?limit=2&cursor={second['next_cursor']}", headers=admin.headers
        )
    ).json()
    found = (await admin.client.get("/api/v1/users?q=pager 3", headers=admin.headers)).json()
    bad = await admin.client.get("/api/v1/users?cursor=!!!", headers=admin.headers)

    ids = [u["id"] for page in (first, second, third) for u in page["items"]]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    assert third["next_cursor"] is None
    assert [u["name"] for u in found["items"]] == ["Pager 3"]
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_change_role_and_suspend_and_reactivate(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    vendor = await invite_and_accept(admin, make_client(), role="vendor")
    url = f"/api/v1/users/{vendor.id}"

    promoted = await admin.client.patch(url, headers=admin.headers, json={"role": "affiliate"})
    suspended = await admin.client.patch(url, headers=admin.headers, json={"status": "suspended"})
    blocked_api = await vendor.client.get("/api/v1/me", headers=vendor.headers)
    blocked_login = await login(make_client(), admin.slug, vendor.email)
    blocked_refresh = await vendor.client.post("/api/v1/auth/refresh")
    reactivated = await admin.client.patch(url, headers=admin.headers, json={"status": "active"})
    back = await login(make_client(), admin.slug, vendor.email)

    assert promoted.json()["role"] == "affiliate"
    assert promoted.json()["referral_code"]
    assert suspended.json()["status"] == "suspended"
    assert blocked_api.status_code == 403
    assert blocked_login.status_code == 403
    assert blocked_refresh.status_code in (401, 403)
    assert reactivated.json()["status"] == "active"
    assert back.status_code == 200


async def test_admin_cannot_change_own_role(client: httpx.AsyncClient) -> None:
    admin = await signup_org(client)
    r = await client.patch(
        f"/api/v1/users/{admin.id}", headers=admin.headers, json={"role": "vendor"}
    )
    assert r.status_code == 409


async def test_profile_name_change(client: httpx.AsyncClient) -> None:
    admin = await signup_org(client)
    r = await client.patch("/api/v1/me", headers=admin.headers, json={"name": "  New Name  "})
    assert r.json()["name"] == "New Name"
    r = await client.patch(
        "/api/v1/me", headers=admin.headers, json={"name": "x", "role": "platform_admin"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "role"
