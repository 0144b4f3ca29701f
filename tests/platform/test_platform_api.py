"""The platform admin lists organisations and suspends them through the narrow path."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ClientFactory
from tests.factories import Account, login, signup_affiliate, signup_org

PLATFORM_PASSWORD = "nebula-granite-harpoon-71"


async def test_platform_admin_lists_and_suspends_tenants(
    make_client: ClientFactory, platform_admin: Account
) -> None:
    org = await signup_org(make_client())
    aff = await signup_affiliate(make_client(), org.slug)

    listed = await platform_admin.client.get(
        "/api/v1/platform/tenants?limit=200", headers=platform_admin.headers
    )
    row = next(t for t in listed.json()["items"] if t["slug"] == org.slug)
    suspended = await platform_admin.client.post(
        f"/api/v1/platform/tenants/{org.tenant_id}/suspend", headers=platform_admin.headers
    )
    api_blocked = await aff.client.get("/api/v1/me", headers=aff.headers)
    login_blocked = await login(make_client(), org.slug, org.email)
    signup_blocked = await make_client().get(f"/api/v1/public/tenants/{org.slug}")
    reactivated = await platform_admin.client.post(
        f"/api/v1/platform/tenants/{org.tenant_id}/reactivate", headers=platform_admin.headers
    )
    login_back = await login(make_client(), org.slug, org.email)

    assert listed.status_code == 200
    assert row["user_count"] == 2
    assert all(t["slug"] != "platform" for t in listed.json()["items"])
    assert suspended.json()["status"] == "suspended"
    assert api_blocked.status_code == 403
    assert "suspended" in api_blocked.json()["detail"]
    assert login_blocked.status_code == 403
    assert signup_blocked.status_code == 403
    assert reactivated.json()["status"] == "active"
    assert login_back.status_code == 200


async def test_platform_actions_are_audited(
    make_client: ClientFactory, platform_admin: Account, owner_engine: Engine
) -> None:
    org = await signup_org(make_client())
    await platform_admin.client.post(
        f"/api/v1/platform/tenants/{org.tenant_id}/suspend", headers=platform_admin.headers
    )
    with owner_engine.connect() as conn:
        actions = (
            conn.execute(
                text("SELECT action FROM platform_audit_log WHERE tenant_id = :t"),
                {"t": org.tenant_id},
            )
            .scalars()
            .all()
        )
    assert actions == ["set_status:suspended"]


async def test_tenant_admins_cannot_use_platform_routes(make_client: ClientFactory) -> None:
    org = await signup_org(make_client())
    other = await signup_org(make_client())

    listed = await org.client.get("/api/v1/platform/tenants", headers=org.headers)
    suspended = await org.client.post(
        f"/api/v1/platform/tenants/{other.tenant_id}/suspend", headers=org.headers
    )

    assert (listed.status_code, suspended.status_code) == (403, 403)


async def test_unknown_tenant_is_404(platform_admin: Account) -> None:
    r = await platform_admin.client.post(
        f"/api/v1/platform/tenants/{uuid.uuid4()}/suspend", headers=platform_admin.headers
    )
    assert r.status_code == 404


async def test_platform_tenant_cannot_be_suspended(platform_admin: Account) -> None:
    r = await platform_admin.client.post(
        f"/api/v1/platform/tenants/{platform_admin.tenant_id}/suspend",
        headers=platform_admin.headers,
    )
    assert r.status_code == 404
