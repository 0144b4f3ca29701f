"""The platform admin sees every organisation's activity, and the platform's, on one page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.e2e.conftest import login_platform
from tests.factories import Account, Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_the_platform_admin_sees_an_organisations_sales_and_clicks(
    new_context: NewContext, platform_admin: object, program: Program, make_client: ClientFactory
) -> None:
    assert isinstance(platform_admin, Account)
    # given an organisation whose affiliate sold through a click today
    shop = await open_shop(program, make_client)
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text

    # when the platform admin opens the activity page
    page = await login_platform(await new_context(), platform_admin)
    await page.get_by_role("link", name="Activity").click()

    # then the organisation's row shows its click and sale, and the growth chart is drawn
    row = page.get_by_test_id(f"activity-row-{program.admin.slug}")
    await expect(row.get_by_test_id("activity-clicks")).to_have_text("1")
    await expect(row.get_by_test_id("activity-sales")).to_have_text("1")
    await expect(row).to_contain_text("$100.00")
    await expect(page.get_by_test_id("growth-chart")).to_be_visible()

    # and its figures are there as a table too, for whoever cannot see the chart
    await page.get_by_text("Show as a table").click()
    table = page.get_by_role("table", name="Platform growth by day")
    await expect(table.get_by_role("columnheader", name="Day")).to_be_visible()
    assert await table.get_by_role("row").count() > 1
