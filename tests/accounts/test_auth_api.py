"""Signup, login, refresh rotation and reuse detection, logout, throttling, password flows."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ClientFactory
from tests.factories import PASSWORD, Account, signup_org, unique_email, unique_slug
from tests.factories import login as do_login
from tests.ops.metrics_support import counted

REFRESH = "/api/v1/auth/refresh"


async def test_signup_creates_org_and_admin_and_logs_in(client: httpx.AsyncClient) -> None:
    admin = await signup_org(client, organisation_name="Nord Books")

    r = await client.get("/api/v1/me", headers=admin.headers)

    assert r.status_code == 200
    me = r.json()
    assert me["role"] == "tenant_admin"
    assert me["tenant"]["name"] == "Nord Books"
    assert me["tenant"]["display_name"] == "Nord Books"
    assert "bnx_refresh" in client.cookies


async def test_signup_with_taken_slug_is_409_naming_slug(make_client: ClientFactory) -> None:
    first = await signup_org(make_client())

    r = await make_client().post(
        "/api/v1/auth/signup",
        json={
            "organisation_name": "X",
            "slug": first.slug,
            "name": "Y",
            "email": unique_email(),
            "password": PASSWORD,
        },
    )

    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "slug"


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        pytest.param("slug", "A B", 422, id="slug-bad-chars"),
        pytest.param("slug", "platform", 409, id="slug-reserved"),
        pytest.param("slug", "confirm", 409, id="slug-of-the-sign-up-link-page"),
        pytest.param("email", "not-an-email", 422, id="email-invalid"),
        pytest.param("password", "short", 422, id="password-short"),
        pytest.param("password", "password1234", 422, id="password-common"),
        pytest.param("organisation_name", "x" * 121, 422, id="name-too-long"),
        pytest.param("organisation_name", 12, 422, id="name-wrong-type"),
    ],
)
async def test_signup_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, owner_engine: Engine, field: str, value: object, status: int
) -> None:
    slug = unique_slug()
    body: dict[str, object] = {
        "organisation_name": "Ok",
        "slug": slug,
        "name": "Ok",
        "email": unique_email(),
        "password": PASSWORD,
    }
    body[field] = value

    r = await client.post("/api/v1/auth/signup", json=body)

    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["field"] == field
    with owner_engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM tenants WHERE slug = :s"), {"s": slug}).scalar()
            == 0
        )


@pytest.mark.parametrize("length", [72, 73, 256])
async def test_a_long_password_is_judged_by_its_first_72_characters(
    client: httpx.AsyncClient, length: int
) -> None:
    # given a strong password longer than zxcvbn takes (72 characters)
    password = (PASSWORD + "-") * (length // len(PASSWORD) + 1)

    # when an organisation signs up with it
    r = await client.post(
        "/api/v1/auth/signup",
        json={
            "organisation_name": "Long Pass",
            "slug": unique_slug(),
            "name": "Org Admin",
            "email": unique_email("admin"),
            "password": password[:length],
        },
    )

    # then it is accepted, not a server error
    assert r.status_code == 201, r.text


async def test_unicode_names_are_kept(client: httpx.AsyncClient) -> None:
    admin = await signup_org(client, organisation_name="Ærø Bøger 書店 🚀", name="Zoë Ñandú")

    me = (await client.get("/api/v1/me", headers=admin.headers)).json()

    assert me["tenant"]["name"] == "Ærø Bøger 書店 🚀"
    assert me["name"] == "Zoë Ñandú"


async def test_login_and_wrong_password(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())
    c = make_client()

    ok = await do_login(c, admin.slug, admin.email.upper())
    bad = await do_login(c, admin.slug, admin.email, "wrong-password-000")
    unknown_org = await do_login(c, unique_slug(), admin.email)

    assert ok.status_code == 200
    assert ok.json()["user"]["id"] == admin.id
    assert bad.status_code == 401
    assert unknown_org.status_code == 401
    assert bad.json()["detail"] == unknown_org.json()["detail"]


async def _refresh_with(make_client: ClientFactory, cookie: str) -> httpx.Response:
    other = make_client()
    other.cookies.set("bnx_refresh", cookie)
    return await other.post(REFRESH)


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    admin = await signup_org(client)
    first_cookie = client.cookies["bnx_refresh"]
    reused_before = await counted(make_client(), "bitnexus_refresh_token_reuse_total")

    r1 = await client.post(REFRESH)
    second_cookie = client.cookies["bnx_refresh"]
    assert r1.status_code == 200
    assert second_cookie != first_cookie

    # an attacker replays the first (already rotated) token
    replay = await _refresh_with(make_client, first_cookie)
    assert replay.status_code == 401
    # ... which ends the legitimate holder's session too
    after = await _refresh_with(make_client, second_cookie)
    assert after.status_code == 401
    assert admin.id
    # ... and is counted as a security event
    reused = await counted(make_client(), "bitnexus_refresh_token_reuse_total")
    assert reused - reused_before == 1


async def test_refresh_with_garbage_or_no_cookie_is_401(
    client: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    assert (await client.post(REFRESH)).status_code == 401
    assert (await _refresh_with(make_client, "bnxt_" + "0" * 100)).status_code == 401
    assert (await _refresh_with(make_client, "nonsense")).status_code == 401


async def test_logout_ends_the_session(
    client: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    await signup_org(client)
    cookie = client.cookies["bnx_refresh"]

    r = await client.post("/api/v1/auth/logout")

    assert r.status_code == 204
    assert (await _refresh_with(make_client, cookie)).status_code == 401


async def test_refresh_cookie_is_httponly_strict_and_scoped(client: httpx.AsyncClient) -> None:
    body = {
        "organisation_name": "C",
        "slug": unique_slug(),
        "name": "C",
        "email": unique_email(),
        "password": PASSWORD,
    }
    r = await client.post("/api/v1/auth/signup", json=body)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/api/v1/auth" in cookie


async def test_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, owner_engine: Engine
) -> None:
    admin = await signup_org(client)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :u"
            ),
            {"u": admin.id},
        )
    r = await client.post(REFRESH)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


async def test_repeated_failures_lock_the_account_with_retry_after(
    make_client: ClientFactory,
) -> None:
    admin = await signup_org(make_client())
    attacker = make_client()
    outcomes_before = await _login_outcomes(make_client())

    statuses = [
        (await do_login(attacker, admin.slug, admin.email, f"wrong-guess-{i}-xyz")).status_code
        for i in range(5)
    ]
    locked = await do_login(make_client(), admin.slug, admin.email)  # right password, other IP

    assert statuses == [401] * 5
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert locked.headers["content-type"] == "application/problem+json"
    outcomes = await _login_outcomes(make_client())
    assert outcomes["failure"] - outcomes_before["failure"] == 5
    assert outcomes["locked_out"] - outcomes_before["locked_out"] == 1


async def _login_outcomes(client: httpx.AsyncClient) -> dict[str, float]:
    return {
        outcome: await counted(client, "bitnexus_logins_total", outcome=outcome)
        for outcome in ("failure", "locked_out")
    }


async def test_repeated_failures_from_one_ip_are_throttled(make_client: ClientFactory) -> None:
    attacker = make_client()
    sprayed = [
        (await do_login(attacker, unique_slug(), unique_email(), f"spray-{i}-password")).status_code
        for i in range(20)
    ]
    admin = await signup_org(make_client())

    r = await do_login(attacker, admin.slug, admin.email)

    assert sprayed == [401] * 20
    assert r.status_code == 429


async def test_change_password_ends_old_tokens(make_client: ClientFactory) -> None:
    c = make_client()
    admin = await signup_org(c)
    old_cookie = c.cookies["bnx_refresh"]
    new = "tundra-sapphire-kettle-48"

    wrong = await c.post(
        "/api/v1/me/password",
        headers=admin.headers,
        json={"current_password": "nope-nope-nope", "new_password": new},
    )
    weak = await c.post(
        "/api/v1/me/password",
        headers=admin.headers,
        json={"current_password": PASSWORD, "new_password": "qwertyuiop"},
    )
    ok = await c.post(
        "/api/v1/me/password",
        headers=admin.headers,
        json={"current_password": PASSWORD, "new_password": new},
    )

    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "current_password"
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "new_password"
    assert ok.status_code == 200
    assert (await do_login(make_client(), admin.slug, admin.email, new)).status_code == 200
    assert (await do_login(make_client(), admin.slug, admin.email, PASSWORD)).status_code == 401
    # every earlier token ends; the caller goes on with the new session it was handed
    assert (await c.get("/api/v1/me", headers=admin.headers)).status_code == 401
    replay = make_client()
    replay.cookies.set("bnx_refresh", old_cookie, path="/api/v1/auth")
    assert (await replay.post(REFRESH)).status_code == 401
    fresh = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    assert (await c.get("/api/v1/me", headers=fresh)).status_code == 200
    assert (await c.post(REFRESH)).status_code == 200


async def _reset_link(admin: Account) -> str:
    """The reset link mailed to `admin`, read from the development mailbox as that admin."""
    mails = (await admin.client.get("/api/v1/dev/mailbox", headers=admin.headers)).json()
    body = next(m["body"] for m in mails if m["to"] == admin.email and "Reset" in m["subject"])
    match = re.search(r"token=(bnxt_[\w-]+)", body)
    assert match
    return match.group(1)


async def test_password_reset_is_single_use(make_client: ClientFactory) -> None:
    c = make_client()
    admin = await signup_org(c)
    new = "harbor-crimson-walnut-12"

    r = await c.post(
        "/api/v1/auth/password-reset/request",
        json={"organisation": admin.slug, "email": admin.email},
    )
    assert r.status_code == 202
    token = await _reset_link(admin)

    first = await c.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": new}
    )
    again = await c.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "another-fresh-pass-77"},
    )

    assert first.status_code == 204
    assert again.status_code == 400
    assert (await do_login(make_client(), admin.slug, admin.email, new)).status_code == 200


async def test_password_reset_for_unknown_account_answers_the_same(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/api/v1/auth/password-reset/request",
        json={"organisation": unique_slug(), "email": unique_email()},
    )
    assert r.status_code == 202


async def test_expired_reset_token_is_refused(
    client: httpx.AsyncClient, owner_engine: Engine
) -> None:
    admin = await signup_org(client)
    await client.post(
        "/api/v1/auth/password-reset/request",
        json={"organisation": admin.slug, "email": admin.email},
    )
    token = await _reset_link(admin)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE password_reset_tokens SET expires_at = now() - interval '1 minute' "
                "WHERE user_id = :u"
            ),
            {"u": admin.id},
        )

    r = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "meadow-silver-anchor-55"},
    )

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "token"
