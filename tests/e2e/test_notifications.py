"""The bell tells an affiliate of a new commission; the notification centre leads to it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI
from playwright.async_api import BrowserContext, expect
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.notifications import unsubscribe
from bitnexus.notifications.kinds import Kind
from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.e2e.conftest import login
from tests.factories import Program
from tests.notifications.support import deliver

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_an_affiliate_is_told_of_a_commission_and_reads_it(
    new_context: NewContext,
    app: FastAPI,
    owner_engine: Engine,
    program: Program,
    make_client: ClientFactory,
) -> None:
    # given an affiliate who earned a commission, told by the notifications
    shop = await open_shop(program, make_client)
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text
    await deliver(app, owner_engine, program.admin.tenant_id)

    # when they log in, the bell counts it
    page = await login(await new_context(), shop.affiliate)
    await expect(page.get_by_test_id("bell-count")).to_have_text("1")

    # then the centre shows it, and opening it leads to the commissions and reads it
    await page.get_by_test_id("bell").click()
    notification = page.get_by_test_id("notification")
    await expect(notification).to_contain_text("New commission: 16.00 USD")
    await notification.click()
    await expect(page).to_have_url(re.compile(r"/app/commissions$"))
    await expect(page.get_by_test_id("bell-count")).to_have_count(0)


async def test_an_unsubscribe_link_stops_that_mail_and_says_so(
    new_context: NewContext, settings: Settings, program: Program
) -> None:
    # given the unsubscribe link of a payout mail to the affiliate
    token = unsubscribe.token(
        settings.secret,
        unsubscribe.Unsubscribe(
            uuid.UUID(program.admin.tenant_id), uuid.UUID(program.affiliate.id), Kind.payout
        ),
    )

    # when it is opened, logged in or not
    page = await (await new_context()).new_page()
    await page.goto(f"/unsubscribe?token={token}")

    # then the page says that mail stopped, and the preference is the app only
    await expect(page.get_by_test_id("unsubscribed")).to_contain_text("a payout paid or failed")
    prefs = await program.affiliate.client.get(
        "/api/v1/notifications/preferences", headers=program.affiliate.headers
    )
    assert {p["kind"]: p["channel"] for p in prefs.json()}["payout"] == "in_app"
