"""A password change or reset and "log out everywhere" end every token issued before them,
however close in time: each token carries the user's credential version."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.accounts.schemas import PasswordResetConfirm
from bitnexus.accounts.service import sessions, users
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import ClientFactory
from tests.factories import PASSWORD, Account, login, signup_org
from tests.waiting import eventually, waiting_on_a_lock

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"
NEW_PASSWORD = "harbor-crimson-walnut-12"


async def _reset_token(owner_engine: Engine, admin: Account) -> str:
    """Ask for a reset of `admin`'s password and read the link from the mail it produced."""
    r = await admin.client.post(
        "/api/v1/auth/password-reset/request",
        json={"organisation": admin.slug, "email": admin.email},
    )
    assert r.status_code == 202
    with owner_engine.connect() as conn:
        body = conn.execute(
            text("SELECT body FROM dev_mailbox WHERE recipient = :to ORDER BY id DESC LIMIT 1"),
            {"to": admin.email},
        ).scalar_one()
    match = re.search(r"token=(bnxt_[\w-]+)", body)
    assert match
    return match.group(1)


@pytest.mark.parametrize(
    "path", [pytest.param(ME, id="snapshot (GET /me)"), pytest.param("/api/v1/users", id="entity")]
)
async def test_a_token_issued_in_the_same_second_as_a_reset_is_refused(
    make_client: ClientFactory, owner_engine: Engine, path: str
) -> None:
    # given: a token, then a password reset that lands within the second the token was issued
    admin = await signup_org(make_client())
    issued_at = jwt.decode(admin.token, options={"verify_signature": False})["iat"]
    token = await _reset_token(owner_engine, admin)
    r = await make_client().post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert r.status_code == 204
    with owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET password_changed_at = :at WHERE id = :user"),
            {"at": dt.datetime.fromtimestamp(issued_at + 0.5, dt.UTC), "user": admin.id},
        )

    # when
    answer = await admin.client.get(path, headers=admin.headers)

    # then
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("session-expired")


async def test_a_family_rotated_while_a_reset_commits_is_refused(
    make_client: ClientFactory, owner_engine: Engine, settings: Settings, db_urls: DatabaseUrls
) -> None:
    # given: a refresh that has rotated the family but not committed, and a reset that waits
    # for it (its revocation of the user's refresh tokens blocks on the rotated row)
    admin = await signup_org(make_client())
    cookie = admin.client.cookies["bnx_refresh"]
    reset = PasswordResetConfirm(
        token=await _reset_token(owner_engine, admin), password=NEW_PASSWORD
    )
    db = Database(db_urls.app, pool_size=3)
    try:
        async with db.sessionmaker() as rotating:
            issued = await sessions.refresh(rotating, settings, cookie)

            async def confirm() -> None:
                async with db.sessionmaker() as resetting, resetting.begin():
                    await users.confirm_password_reset(resetting, reset)

            resetting_task = asyncio.create_task(confirm())

            async def reset_waits() -> bool:
                waiting = await waiting_on_a_lock(db.engine, "UPDATE refresh_tokens%")
                return waiting or resetting_task.done()

            await eventually(reset_waits, "the reset waits for the rotation")

            # when: the rotation commits first, then the reset
            await rotating.commit()
        await resetting_task
    finally:
        await db.dispose()
    client = make_client()
    client.cookies.set("bnx_refresh", issued.refresh_token, path="/api/v1/auth")

    # then: neither the rotated refresh token nor its access token outlives the reset
    assert (await client.post(REFRESH)).status_code == 401
    headers = {"Authorization": f"Bearer {issued.response.access_token}"}
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_log_out_everywhere_ends_every_session(make_client: ClientFactory) -> None:
    # given: the same user signed in from two browsers
    admin = await signup_org(make_client())
    first_cookie = admin.client.cookies["bnx_refresh"]
    other = make_client()
    r = await login(other, admin.slug, admin.email)
    assert r.status_code == 200
    other_headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    # when
    ended = await admin.client.delete("/api/v1/me/sessions", headers=admin.headers)

    # then: every access and refresh token of both browsers ends; a new login works
    assert ended.status_code == 204
    assert (await admin.client.get(ME, headers=admin.headers)).status_code == 401
    assert (await other.get(ME, headers=other_headers)).status_code == 401
    assert (await other.post(REFRESH)).status_code == 401
    replay = make_client()
    replay.cookies.set("bnx_refresh", first_cookie, path="/api/v1/auth")
    assert (await replay.post(REFRESH)).status_code == 401
    again = await login(make_client(), admin.slug, admin.email, PASSWORD)
    assert again.status_code == 200
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await make_client().get(ME, headers=fresh)).status_code == 200


async def test_log_out_everywhere_needs_a_token(make_client: ClientFactory) -> None:
    assert (await make_client().delete("/api/v1/me/sessions")).status_code == 401
