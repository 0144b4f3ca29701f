"""The affiliate directory in the browser: an admin finds an affiliate with a held sale, opens
their profile, and reads the hold in their own words with its order."""

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


async def test_an_admin_goes_from_the_directory_to_a_profile_and_from_a_hold_to_its_affiliate(
    new_context: NewContext, program: Program, make_client: ClientFactory
) -> None:
    # given an affiliate, referred by an upline, with a sale held as too fast
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_min_click_seconds=10)).status_code == 200
    r = await shop.report(order_id="ORDER-77", click_id=await shop.click(make_client()))
    assert r.json()["state"] == "held", r.text
    name, email = shop.affiliate.user["name"], shop.affiliate.user["email"]

    # when the admin opens the directory from the navigation
    page = await login(await new_context(), program.admin)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Affiliates").click()

    # then the affiliate's row shows their click, sale, held money, referrer and the open hold
    row = page.get_by_test_id(f"affiliate-row-{email}")
    await expect(row).to_contain_text("$100.00")  # the sale's value
    await expect(row).to_contain_text(f"Referred by {shop.upline.user['name']}")
    await expect(row).to_contain_text("1 under review")
    await expect(page.get_by_test_id(f"affiliate-row-{shop.upline.user['email']}")).to_contain_text(
        "Brought in 1 member"
    )

    # when they open the profile
    await row.get_by_role("link", name=name).click()

    # then the hold reads in the admin's words, with its order, and the commission is listed
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    holds = page.get_by_test_id("affiliate-holds")
    await expect(holds).to_contain_text("ORDER-77")
    await expect(holds).to_contain_text("your rule asks for at least 10 seconds")
    await expect(page.get_by_test_id("affiliate-commissions")).to_contain_text("ORDER-77")
    await expect(page.get_by_test_id("affiliate-balances")).to_contain_text("$16.00")
    await expect(page.get_by_test_id("member-terms")).to_have_text(
        "Joined through the join page (no terms were published then)."
    )

    # and the fraud queue names the order and links back to the same profile
    await page.goto("/app/fraud")
    hold = page.get_by_test_id("hold-row")
    await expect(hold).to_contain_text("ORDER-77")
    await expect(hold.get_by_test_id("hold-findings")).to_contain_text("after its click")
    await hold.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
