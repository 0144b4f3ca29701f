"""A sale reported while the affiliate's dashboard is open appears there live: the ticker,
the earnings, the bell and a toast update without a reload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.e2e.conftest import login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]

# the issue asks for a second; a shared two-core machine gets some slack, not a reload
LIVE_MS = 5_000


async def test_a_sale_appears_on_the_open_dashboard_without_reload(
    new_context: NewContext, program: Program, make_client: ClientFactory
) -> None:
    # given the affiliate's dashboard open, connected, with nothing earned yet
    shop = await open_shop(program, make_client)
    page = await login(await new_context(), shop.affiliate)
    await page.goto("/app/dashboard")
    await expect(page.get_by_test_id("connection-indicator")).to_have_attribute(
        "data-state", "connected"
    )
    await expect(page.get_by_test_id("dash-earnings")).to_have_text("$0.00")

    # when the vendor's server reports a sale through the affiliate's link
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text

    # then the ticker, the earnings, the bell and a toast show it, the page never reloaded
    await expect(page.get_by_test_id("live-ticker")).to_contain_text(
        "New commission: $16.00", timeout=LIVE_MS
    )
    await expect(page.get_by_test_id("toast")).to_have_text(
        "New commission: 16.00 USD", timeout=LIVE_MS
    )
    await expect(page.get_by_test_id("dash-earnings")).to_have_text("$16.00", timeout=LIVE_MS)
    await expect(page.get_by_test_id("bell-count")).to_have_text("1", timeout=LIVE_MS)
