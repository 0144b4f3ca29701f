"""Notification mail: sent by the background job over real SMTP (a local aiosmtpd server),
in the organisation's colours as HTML and text, with a one-click unsubscribe (RFC 8058), and
tried again when the mail server refuses it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import Message
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.notifications import mailer
from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.factories import Program
from tests.notifications.support import deliver
from tests.smtp import Inbox, smtp_server


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def earned(
    app: FastAPI, owner_engine: Engine, program: Program, make_client: ClientFactory
) -> Shop:
    """An affiliate who asked for new commissions by mail, and earned one."""
    shop = await open_shop(program, make_client)
    r = await shop.affiliate.client.put(
        "/api/v1/notifications/preferences",
        json={"channels": {"commission_created": "mail"}},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 200, r.text
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text
    await deliver(app, owner_engine, program.admin.tenant_id)
    return shop


def _smtp(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})


def _part(message: Message, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
    raise AssertionError(f"no text/{subtype} part")


async def test_a_notification_is_mailed_once_in_the_organisations_colours(
    app: FastAPI, settings: Settings, program: Program, earned: Shop, inbox: tuple[int, Inbox]
) -> None:
    port, box = inbox

    # when the mail job runs, twice
    await mailer.mail_due(app.state.db, _smtp(settings, port))
    again = await mailer.mail_due(app.state.db, _smtp(settings, port))

    # then one mail went to the affiliate, as text and as HTML in the organisation's brand
    assert again == 0
    [message] = box.to(earned.affiliate.email)
    org = program.admin.user["tenant"]["display_name"]
    assert message["To"] == earned.affiliate.email
    assert message["Subject"] == f"New commission: 16.00 USD · {org}"
    plain, html = _part(message, "plain"), _part(message, "html")
    assert "You earned 16.00 USD" in plain
    assert f"{settings.base_url}/app/commissions" in plain
    assert "background:#4f46e5" in html
    assert org in html
    assert "You earned 16.00 USD" in html
    # and it can be left with one click (RFC 8058)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = "".join(str(message["List-Unsubscribe"]).split())
    assert unsubscribe.startswith(f"<{settings.base_url}/unsubscribe?token=")


async def test_one_click_unsubscribe_stops_the_mail_of_that_kind_only(
    app: FastAPI, settings: Settings, earned: Shop, inbox: tuple[int, Inbox]
) -> None:
    # given the link of a notification mail
    port, box = inbox
    await mailer.mail_due(app.state.db, _smtp(settings, port))
    link = "".join(str(box.to(earned.affiliate.email)[0]["List-Unsubscribe"]).split()).strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]

    # when a mail client posts it, with no login
    client = earned.affiliate.client
    r = await client.post(
        "/api/v1/public/notifications/unsubscribe",
        params={"token": token},
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    # then that kind is in the app only now; the others are as they were
    assert r.status_code == 200, r.text
    assert (r.json()["kind"], r.json()["channel"]) == ("commission_created", "in_app")
    prefs = await client.get("/api/v1/notifications/preferences", headers=earned.affiliate.headers)
    channels = {p["kind"]: p["channel"] for p in prefs.json()}
    assert channels["commission_created"] == "in_app"
    assert channels["payout"] == "mail"


@pytest.mark.parametrize("token", ["nonsense", "AAAA.BBBB", "x" * 200])
async def test_a_forged_unsubscribe_link_is_refused(earned: Shop, token: str) -> None:
    r = await earned.affiliate.client.post(
        "/api/v1/public/notifications/unsubscribe", params={"token": token}
    )

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "token"


async def test_a_refused_mail_is_tried_again_later(
    app: FastAPI,
    settings: Settings,
    owner_engine: Engine,
    earned: Shop,
    inbox: tuple[int, Inbox],
) -> None:
    # given a mail server that refuses the first attempt
    port, box = inbox
    box.refuse = {earned.affiliate.email}
    now = dt.datetime.now(dt.UTC)

    # when the job runs, at once again, and after the first retry's wait
    await mailer.mail_due(app.state.db, _smtp(settings, port), now=now)
    refused = len(box.to(earned.affiliate.email))
    await mailer.mail_due(app.state.db, _smtp(settings, port), now=now)
    too_soon = len(box.to(earned.affiliate.email))
    later = now + mailer.RETRY_AFTER[0] + dt.timedelta(seconds=1)
    await mailer.mail_due(app.state.db, _smtp(settings, port), now=later)

    # then it went on the second attempt, and was counted
    assert (refused, too_soon, len(box.to(earned.affiliate.email))) == (0, 0, 1)
    with owner_engine.connect() as conn:
        attempts, mailed = conn.execute(
            text("SELECT mail_attempts, mailed_at FROM notifications WHERE user_id = :u"),
            {"u": earned.affiliate.id},
        ).one()
    assert attempts == 1
    assert mailed is not None
