"""Public sign-up: an affiliate joins only through an approved application, the platform
organisation takes none, and the answer never tells whether an address has an account (its
owner is told by mail instead)."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from bitnexus.core.config import Settings
from tests.conftest import ClientFactory
from tests.factories import (
    PASSWORD,
    Account,
    last_mail,
    login,
    signup_affiliate,
    signup_link_token,
    signup_org,
    unique_email,
)

CONFIRM = "/api/v1/public/signups/confirm"
RECEIVED = "Thank you: we sent you a mail about your application."


def _apply(slug: str) -> str:
    return f"/api/v1/public/tenants/{slug}/applications"


async def _approving_all(admin: Account) -> None:
    """`admin`'s organisation approves every application at once."""
    r = await admin.client.put(
        "/api/v1/recruiting/rules", json={"auto_approve": "all"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text


async def test_the_platform_organisation_takes_no_signups(
    make_client: ClientFactory, platform_admin: Account
) -> None:
    email = unique_email("intruder")

    r = await make_client().post(_apply("platform"), json={"name": "Mallory", "email": email})

    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "slug"
    assert (await login(make_client(), "platform", email)).status_code == 401


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_the_direct_sign_up_without_review_is_gone(
    make_client: ClientFactory, method: str
) -> None:
    # given an organisation that approves nobody at once
    admin = await signup_org(make_client())
    email = unique_email("direct")

    # when someone asks to join on the old direct sign-up route
    r = await make_client().request(
        method,
        f"/api/v1/public/tenants/{admin.slug}/affiliates",
        json={"name": "Dee Direct", "email": email},
    )

    # then there is no such route, and nothing was mailed
    assert r.status_code in {404, 405}, r.text
    mailbox = await admin.client.get("/api/v1/dev/mailbox", headers=admin.headers)
    assert email not in [m["to"] for m in mailbox.json()]


async def test_an_application_not_yet_approved_makes_no_account(
    make_client: ClientFactory,
) -> None:
    # given an organisation whose admins review every application (the default)
    admin = await signup_org(make_client())
    email = unique_email("waiting")

    # when someone applies
    r = await make_client().post(_apply(admin.slug), json={"name": "Wes Waiting", "email": email})

    # then they are told it is under review, get no sign-up link, and have no account
    assert r.status_code == 202, r.text
    mail = last_mail(email)
    assert "reviews every application" in mail
    assert "/join/confirm" not in mail
    assert (await login(make_client(), admin.slug, email)).status_code == 401
    users = await admin.client.get("/api/v1/users", headers=admin.headers)
    assert email not in [u["email"] for u in users.json()["items"]]


@pytest.mark.parametrize("who", ["nobody", "an affiliate", "the admin"])
async def test_applying_answers_the_same_whether_or_not_the_address_exists(
    make_client: ClientFactory, who: str
) -> None:
    # given: an address that has no account, an affiliate's, or the organisation's admin's
    admin = await signup_org(make_client())
    email = {
        "nobody": unique_email("new"),
        "an affiliate": (await signup_affiliate(make_client(), admin.slug, admin=admin)).email,
        "the admin": admin.email,
    }[who]

    # when
    r = await make_client().post(_apply(admin.slug), json={"name": "Sam", "email": email})

    # then: the same answer either way
    assert r.status_code == 202
    assert r.json() == {"email": email, "detail": RECEIVED}


async def test_the_owner_of_a_taken_address_is_told_by_mail(make_client: ClientFactory) -> None:
    # given
    admin = await signup_org(make_client())
    await _approving_all(admin)

    # when: someone applies with the admin's address
    r = await make_client().post(_apply(admin.slug), json={"name": "Sam", "email": admin.email})

    # then: the admin is told, gets no sign-up link, and their account is unchanged
    assert r.status_code == 202
    mail = last_mail(admin.email)
    assert "tried to sign up" in mail
    assert f"/login?org={admin.slug}" in mail
    assert "/forgot-password" in mail
    assert "/join/confirm" not in mail
    assert (await login(make_client(), admin.slug, admin.email)).status_code == 200


async def test_an_approved_address_confirms_by_mail_and_the_link_works_once(
    make_client: ClientFactory,
) -> None:
    # given: an application approved at once
    admin = await signup_org(make_client())
    await _approving_all(admin)
    email = unique_email("new")
    r = await make_client().post(_apply(admin.slug), json={"name": "Nia New", "email": email})
    assert r.status_code == 202
    token = signup_link_token(last_mail(email))

    # when: the link is opened and confirmed with a password, then used again
    preview = await make_client().post("/api/v1/public/signups/preview", json={"token": token})
    weak = await make_client().post(CONFIRM, json={"token": token, "password": "qwertyuiop"})
    first = await make_client().post(CONFIRM, json={"token": token, "password": PASSWORD})
    again = await make_client().post(CONFIRM, json={"token": token, "password": PASSWORD})

    # then
    assert preview.status_code == 200
    assert preview.json()["email"] == email
    assert preview.json()["name"] == "Nia New"
    assert preview.json()["tenant"]["slug"] == admin.slug
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"
    assert first.status_code == 201
    assert first.json()["user"]["role"] == "affiliate"
    assert first.json()["user"]["email"] == email
    assert again.status_code == 409
    assert (await login(make_client(), admin.slug, email)).status_code == 200


def _forged(settings: Settings, token: str, **changes: object) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, settings.secret, algorithm="HS256")


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda s, t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), id="tampered"
        ),
        pytest.param(
            lambda s, t: _forged(s, t, exp=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)),
            id="expired",
        ),
        pytest.param(lambda s, t: _forged(s, t, aud="bitnexus:other"), id="another audience"),
        pytest.param(lambda s, t: "not-a-token", id="garbage"),
    ],
)
async def test_a_spoiled_link_is_refused(
    make_client: ClientFactory, settings: Settings, spoil: object
) -> None:
    admin = await signup_org(make_client())
    await _approving_all(admin)
    email = unique_email("new")
    await make_client().post(_apply(admin.slug), json={"name": "Nia", "email": email})
    token = signup_link_token(last_mail(email))

    r = await make_client().post(
        CONFIRM,
        json={"token": spoil(settings, token), "password": PASSWORD},  # type: ignore[operator]
    )

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "token"


async def test_an_access_token_is_no_signup_link(make_client: ClientFactory) -> None:
    admin = await signup_org(make_client())

    r = await make_client().post(CONFIRM, json={"token": admin.token, "password": PASSWORD})

    assert r.status_code == 400


async def test_organisation_signup_makes_a_new_organisation_and_logs_its_admin_in(
    make_client: ClientFactory,
) -> None:
    admin = await signup_org(make_client())

    me = await admin.client.get("/api/v1/me", headers=admin.headers)

    assert me.status_code == 200
    assert me.json()["role"] == "tenant_admin"
