"""The fraud queue grows live: a sale held while an admin has the queue open appears there
without a reload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.e2e.conftest import login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
LIVE_MS = 5_000  # live, with slack for a shared two-core machine


async def test_a_held_sale_appears_in_the_open_fraud_queue(
    new_context: NewContext, program: Program, make_client: ClientFactory
) -> None:
    # given an organisation that holds sales coming too soon after their click, and its
    # admin looking at the empty queue
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_min_click_seconds=10)).status_code == 200
    page = await login(await new_context(), program.admin)
    await page.goto("/app/fraud")
    await expect(page.get_by_test_id("connection-indicator")).to_have_attribute(
        "data-state", "connected"
    )
    await expect(page.get_by_text("Nothing is waiting: no sale is held.")).to_be_visible()

    # when a sale is reported at once after its click
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.json()["state"] == "held", sale.text

    # then it is in the queue
    await expect(page.get_by_test_id("hold-row")).to_contain_text("sale $100.00", timeout=LIVE_MS)
