"""The development mailbox: a tenant admin reads their organisation's mail, a platform admin
every organisation's, nobody else anything; it exists only in development on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.conftest import AppWith, ClientFactory
from tests.factories import Account, Program, invite_and_accept, signup_org

MAILBOX = "/api/v1/dev/mailbox"


async def _ask_reset(who: Account) -> None:
    r = await who.client.post(
        "/api/v1/auth/password-reset/request",
        json={"organisation": who.slug, "email": who.email},
    )
    assert r.status_code == 202


async def _read(who: Account) -> list[dict[str, str]]:
    r = await who.client.get(MAILBOX, headers=who.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_anonymous_callers_get_no_mail(make_client: ClientFactory) -> None:
    # given: a reset link waiting in the mailbox
    admin = await signup_org(make_client())
    await _ask_reset(admin)

    # when
    r = await make_client().get(MAILBOX)

    # then
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "bnxt_" not in r.text


async def test_an_admin_reads_only_their_own_organisations_mail(
    make_client: ClientFactory,
) -> None:
    # given: a reset link for an admin of organisation B
    a, b = await signup_org(make_client()), await signup_org(make_client())
    await _ask_reset(b)

    # when
    seen_by_a, seen_by_b = await _read(a), await _read(b)

    # then
    assert all(m["to"] != b.email for m in seen_by_a)
    assert "bnxt_" not in str(seen_by_a)
    assert [m["subject"] for m in seen_by_b if m["to"] == b.email] == [
        "Reset your BitNexus password"
    ]


async def test_a_platform_admin_reads_every_organisations_mail(
    make_client: ClientFactory, platform_admin: Account
) -> None:
    a, b = await signup_org(make_client()), await signup_org(make_client())
    await _ask_reset(a)
    await _ask_reset(b)

    recipients = {m["to"] for m in await _read(platform_admin)}

    assert {a.email, b.email} <= recipients


@pytest.mark.parametrize("role", ["vendor", "affiliate"])
async def test_other_roles_are_refused(program: Program, role: str) -> None:
    who = getattr(program, role)

    r = await who.client.get(MAILBOX, headers=who.headers)

    assert r.status_code == 403


async def test_mail_is_filed_under_the_sending_organisation(
    make_client: ClientFactory, owner_engine: Engine
) -> None:
    admin = await signup_org(make_client())
    vendor = await invite_and_accept(admin, make_client())
    await _ask_reset(vendor)

    with owner_engine.connect() as conn:
        filed = conn.execute(
            text("SELECT DISTINCT tenant_id::text FROM dev_mailbox WHERE recipient = :to"),
            {"to": vendor.email},
        ).scalars()
        assert list(filed) == [admin.tenant_id]


async def test_the_all_tenants_read_refuses_a_tenant_admin(
    app_engine: Engine, make_client: ClientFactory
) -> None:
    admin = await signup_org(make_client())

    with pytest.raises(DBAPIError, match="platform admin required"), app_engine.begin() as conn:
        conn.execute(
            text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": admin.tenant_id}
        )
        conn.execute(text("SELECT * FROM bitnexus_dev_mailbox(:u, 10)"), {"u": admin.id})


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        pytest.param({"host": "127.0.0.1"}, 401, id="loopback"),
        pytest.param({"host": "::1"}, 401, id="loopback v6"),
        pytest.param({"host": "localhost"}, 401, id="localhost"),
        pytest.param({"host": "0.0.0.0"}, 404, id="every interface"),  # noqa: S104
        pytest.param({"host": "192.0.2.10"}, 404, id="a public address"),
        pytest.param({"env": "production"}, 404, id="production"),
        pytest.param({"env": "production", "host": "127.0.0.1"}, 404, id="production loopback"),
    ],
)
async def test_the_mailbox_exists_only_in_development_on_loopback(
    app_with: AppWith, changes: dict[str, object], status: int
) -> None:
    # given an app with these settings; when anyone asks for the mailbox
    client = await app_with(**changes)
    r = await client.get(MAILBOX)

    # then: 401 where the route exists (it needs an admin), 404 where it does not
    assert r.status_code == status
    assert "bnxt_" not in r.text
