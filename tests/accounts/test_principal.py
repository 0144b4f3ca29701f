"""The caller behind an access token: the snapshot read (GET /me), the entity read (routes that
write) and the untracked read (read-only routes) accept and refuse the same tokens."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bitnexus.accounts import repository
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.security import issue_access_token
from tests.conftest import ClientFactory
from tests.factories import Account, signup_org

ME = "/api/v1/me"


async def _snapshot_read(account: Account, headers: dict[str, str]) -> tuple[int, str]:
    r = await account.client.get(ME, headers=headers)
    return r.status_code, r.json().get("type", "") if r.status_code >= 400 else ""


async def _entity_read(account: Account, headers: dict[str, str]) -> tuple[int, str]:
    r = await account.client.patch(ME, headers=headers, json={"name": account.user["name"]})
    return r.status_code, r.json().get("type", "") if r.status_code >= 400 else ""


async def _read_only_read(account: Account, headers: dict[str, str]) -> tuple[int, str]:
    r = await account.client.get("/api/v1/marketplace/categories", headers=headers)
    return r.status_code, r.json().get("type", "") if r.status_code >= 400 else ""


READS = [
    pytest.param(_snapshot_read, id="snapshot (GET /me)"),
    pytest.param(_entity_read, id="entities (PATCH /me)"),
    pytest.param(_read_only_read, id="untracked (GET /marketplace/categories)"),
]
Read = Callable[[Account, dict[str, str]], Awaitable[tuple[int, str]]]


def _token(settings: Settings, *, user_id: str, tenant_id: str, ttl_seconds: int = 60) -> str:
    token, _ = issue_access_token(
        settings.secret,
        user_id=uuid.UUID(user_id),
        tenant_id=uuid.UUID(tenant_id),
        role="tenant_admin",
        ttl_seconds=ttl_seconds,
        credential_version=0,
    )
    return token


@pytest.mark.parametrize("read", READS)
async def test_a_valid_token_reads_the_caller(make_client: ClientFactory, read: Read) -> None:
    admin = await signup_org(make_client())

    assert await read(admin, admin.headers) == (200, "")


async def test_both_reads_show_the_same_profile(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client(), organisation_name="Snapshot Books")

    snapshot = (await admin.client.get(ME, headers=admin.headers)).json()
    entities = (
        await admin.client.patch(ME, headers=admin.headers, json={"name": admin.user["name"]})
    ).json()

    assert snapshot == entities
    assert snapshot["tenant"]["name"] == "Snapshot Books"


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no token"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, 401, id="garbage"),
    ],
)
async def test_a_missing_or_malformed_token_is_refused(
    make_client: ClientFactory, read: Read, headers: dict[str, str], status: int
) -> None:
    admin = await signup_org(make_client())

    assert (await read(admin, headers))[0] == status


@pytest.mark.parametrize("read", READS)
async def test_an_expired_token_is_refused(
    make_client: ClientFactory, settings: Settings, read: Read
) -> None:
    admin = await signup_org(make_client())
    expired = _token(settings, user_id=admin.id, tenant_id=admin.tenant_id, ttl_seconds=-5)

    assert (await read(admin, {"Authorization": f"Bearer {expired}"}))[0] == 401


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize(
    ("change", "status", "problem"),
    [
        pytest.param(
            "UPDATE users SET status = 'suspended' WHERE id = :user",
            403,
            "user-suspended",
            id="user suspended",
        ),
        pytest.param(
            "UPDATE tenants SET status = 'suspended' WHERE id = :tenant",
            403,
            "tenant-suspended",
            id="tenant suspended",
        ),
        pytest.param(
            "UPDATE users SET credential_version = credential_version + 1 WHERE id = :user",
            401,
            "session-expired",
            id="credentials changed since the token",
        ),
    ],
)
async def test_a_revoked_caller_is_refused(
    make_client: ClientFactory,
    owner_engine: Engine,
    read: Read,
    change: str,
    status: int,
    problem: str,
) -> None:
    # given
    admin = await signup_org(make_client())

    # when
    with owner_engine.begin() as conn:
        conn.execute(text(change), {"user": admin.id, "tenant": admin.tenant_id})

    # then
    found_status, found_type = await read(admin, admin.headers)
    assert found_status == status
    assert found_type.endswith(problem)


@pytest.mark.parametrize("read", READS)
async def test_a_token_naming_another_tenants_user_finds_nobody(
    make_client: ClientFactory, settings: Settings, read: Read
) -> None:
    # given: a validly signed token whose tenant is not the user's
    ours, theirs = await signup_org(make_client()), await signup_org(make_client())
    crossed = _token(settings, user_id=theirs.id, tenant_id=ours.tenant_id)

    # when
    found = await read(ours, {"Authorization": f"Bearer {crossed}"})

    # then: RLS hides the other tenant's user
    assert found[0] == 401


async def test_the_untracked_read_loads_every_column_as_the_orm_does(
    make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given an organisation's admin
    admin = await signup_org(make_client(), organisation_name="Column Books")
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.UUID(admin.tenant_id))
            # when the caller is read both ways
            tracked = await repository.user_with_tenant(session, uuid.UUID(admin.id))
            untracked = await repository.user_with_tenant_read(session, uuid.UUID(admin.id))
    finally:
        await db.dispose()

    # then every column holds the same value, of the same type, no session holds them and
    # none has a change to write
    assert tracked is not None
    assert untracked is not None
    for orm, plain in zip(tracked, untracked, strict=True):
        for column in inspect(type(orm)).column_attrs:
            expected, got = getattr(orm, column.key), getattr(plain, column.key)
            assert (got, type(got)) == (expected, type(expected)), column.key
        assert inspect(plain).transient
        assert not inspect(plain).modified
