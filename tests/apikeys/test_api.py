"""API keys: shown once, stored hashed, scoped, revocable, and bound to their tenant."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.apikeys import repository
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import ClientFactory
from tests.factories import Account, bearer, signup_affiliate, signup_org


async def _create(admin: Account, **body: object) -> dict[str, object]:
    r = await admin.client.post(
        "/api/v1/api-keys",
        json={"name": "Mirror", "scope": "ledger:read", **body},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_key_is_shown_once_and_stored_hashed(
    make_client: ClientFactory, owner_engine: Engine
) -> None:
    admin = await signup_org(make_client())
    created = await _create(admin)
    secret = str(created["secret"])
    key = created["key"]
    assert isinstance(key, dict)

    listed = (await admin.client.get("/api/v1/api-keys", headers=admin.headers)).json()
    assert secret.startswith("bnx_live_")
    assert key["display"] == f"bnx_live_…{secret[-4:]}"
    assert listed == [key]
    assert secret not in str(listed)
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT secret_hash FROM api_keys WHERE id = :id"), {"id": key["id"]}
        ).scalar_one()
    assert stored == hashlib.sha256(secret[9 + 64 :].encode()).digest()
    assert secret.encode() not in bytes(stored)


async def test_keys_authenticate_until_revoked(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    created = await _create(admin, mode="test")
    secret, key_id = str(created["secret"]), created["key"]["id"]  # type: ignore[index]
    anon = make_client()

    ok = await anon.get("/api/v1/ledger/mirror/entries", headers=bearer(secret))
    assert secret.startswith("bnx_test_")
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"start": 0, "entries": []}
    # nothing signed yet: the checkpoint is a clear 404
    assert (
        await anon.get("/api/v1/ledger/mirror/checkpoint", headers=bearer(secret))
    ).status_code == 404
    used = (await admin.client.get("/api/v1/api-keys", headers=admin.headers)).json()[0]
    assert used["last_used_at"] is not None

    revoked = await admin.client.delete(f"/api/v1/api-keys/{key_id}", headers=admin.headers)
    again = await admin.client.delete(f"/api/v1/api-keys/{key_id}", headers=admin.headers)
    after = await anon.get("/api/v1/ledger/mirror/entries", headers=bearer(secret))
    assert revoked.status_code == again.status_code == 200
    assert revoked.json()["revoked_at"] == again.json()["revoked_at"] is not None
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"


FORGERIES: dict[str, Callable[[str, Account, Account], str]] = {
    # the secret is bnx_live_<tenant id, 32 hex><the key's own part>
    "test-prefix": lambda secret, a, b: "bnx_test_" + secret.removeprefix("bnx_live_"),
    "other-tenant": lambda secret, a, b: (
        "bnx_live_" + uuid.UUID(b.tenant_id).hex + secret.removeprefix("bnx_live_")[32:]
    ),
    "one-char-off": lambda secret, a, b: secret[:-1] + ("A" if secret[-1] != "A" else "B"),
    "nonsense": lambda secret, a, b: "bnx_live_nonsense",
    "access-token": lambda secret, a, b: a.token,  # a user's access token is not an API key
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_and_misused_keys_are_refused(
    make_client: ClientFactory, forge: Callable[[str, Account, Account], str]
) -> None:
    a = await signup_org(make_client())
    b = await signup_org(make_client())
    secret = str((await _create(a))["secret"])

    r = await make_client().get(
        "/api/v1/ledger/mirror/entries", headers={"Authorization": f"Bearer {forge(secret, a, b)}"}
    )

    assert r.status_code == 401


async def test_no_key_or_a_key_as_a_session_is_refused(make_client: ClientFactory) -> None:
    a = await signup_org(make_client())
    secret = str((await _create(a))["secret"])
    anon = make_client()

    assert (await anon.get("/api/v1/ledger/mirror/entries")).status_code == 401
    # and an API key is not a user session
    assert (await anon.get("/api/v1/me", headers=bearer(secret))).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scope": "everything"}, "scope"),
        ({"name": "x", "scope": "ledger:read", "mode": "prod"}, "mode"),
        ({"name": "", "scope": "ledger:read"}, "name"),
        ({"name": "x" * 121, "scope": "ledger:read"}, "name"),
        ({"name": "x", "scope": "ledger:read", "admin": True}, "admin"),
    ],
    ids=["unknown-scope", "unknown-mode", "empty-name", "long-name", "unknown-field"],
)
async def test_a_bad_key_request_is_refused_naming_the_field(
    make_client: ClientFactory, body: dict[str, object], field: str
) -> None:
    admin = await signup_org(make_client())

    r = await admin.client.post("/api/v1/api-keys", json=body, headers=admin.headers)

    assert r.status_code == 422, body
    assert r.json()["errors"][0]["field"] == field, r.json()
    assert (await admin.client.get("/api/v1/api-keys", headers=admin.headers)).json() == []


async def test_roles_tenants_and_bad_input(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    other = await signup_org(make_client())
    affiliate = await signup_affiliate(make_client(), admin.slug)
    key_id = (await _create(admin))["key"]["id"]  # type: ignore[index]

    denied = await affiliate.client.post(
        "/api/v1/api-keys", json={"name": "x", "scope": "ledger:read"}, headers=affiliate.headers
    )
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["field"] == "scope"
    assert (await affiliate.client.get("/api/v1/api-keys", headers=affiliate.headers)).json() == []
    deleted = {
        who: (await account.client.delete(f"/api/v1/api-keys/{key_id}", headers=account.headers))
        for who, account in (("affiliate", affiliate), ("other tenant's admin", other))
    }
    assert {who: r.status_code for who, r in deleted.items()} == {
        "affiliate": 404,
        "other tenant's admin": 404,
    }
    assert (await other.client.get("/api/v1/api-keys", headers=other.headers)).json() == []
    listed = (await admin.client.get("/api/v1/api-keys", headers=admin.headers)).json()
    assert len(listed) == 1
    bad_id = await admin.client.delete("/api/v1/api-keys/not-a-uuid", headers=admin.headers)
    assert bad_id.status_code == 422


async def test_requests_with_the_same_key_never_wait_for_each_other(
    make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    """Noting a key's use locks its row until the unit of work commits; a second request
    with the key meanwhile skips the note instead of queueing behind the first."""
    admin = await signup_org(make_client())
    created = await _create(admin)
    key = created["key"]
    assert isinstance(key, dict)
    key_id, tenant_id = uuid.UUID(str(key["id"])), uuid.UUID(admin.tenant_id)
    db = Database(db_urls.app, pool_size=2)
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    try:
        async with db.sessionmaker() as first, first.begin():
            await set_tenant(first, tenant_id)
            await repository.touch(first, key_id, utcnow(), dt.timedelta(0))  # holds the row
            async with db.sessionmaker() as second, second.begin():
                await set_tenant(second, tenant_id)
                await asyncio.wait_for(
                    repository.touch(second, key_id, utcnow(), dt.timedelta(0)), timeout=5
                )
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await repository.touch(session, key_id, long_ago, dt.timedelta(minutes=1))
            found = await repository.get(session, key_id)
            assert found is not None
            assert found.last_used_at != long_ago  # noted less than a minute ago: left alone
    finally:
        await db.dispose()
