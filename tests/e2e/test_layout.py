"""The app fits the screens people use: a laptop's 1366 px and a phone's 390 px, with every
place reachable from the navigation and no page wider than the screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import login, login_platform
from tests.factories import Account, Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ADMIN_PAGES = ["/app", "/app/users", "/app/ledger", "/app/settings", "/app/commissions"]


async def overflow(page: Page) -> str | None:
    """None when the page fits the screen's width, else the widest element that sticks out."""
    found = await page.evaluate(
        """() => {
            if (document.documentElement.scrollWidth <= window.innerWidth) return null;
            const clipped = (e) => {
                // an absolute element escapes clipping up to its positioned ancestor
                if (getComputedStyle(e).position === "absolute") return false;
                for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== "visible") return true;
                }
                return false;
            };
            let widest = null;
            for (const e of document.querySelectorAll("body *")) {
                const right = e.getBoundingClientRect().right;
                if (right > window.innerWidth && !clipped(e) && (!widest || right > widest[0])) {
                    widest = [right, e.tagName + "." + e.className + ": " + (e.textContent || "").slice(0, 80)];
                }
            }
            return widest ? widest[1] : "something";
        }"""
    )
    return None if found is None else str(found)


async def test_an_admin_sees_every_place_at_once_on_a_laptop(
    new_context: NewContext, live_program: Program
) -> None:
    # given a tenant admin on a 1366 px screen
    page = await login(await new_context(viewport=LAPTOP), live_program.admin)
    nav = page.get_by_role("navigation", name="Main")

    # then the navigation shows every place without a menu, in groups, and nothing overflows
    await expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    for place in ["Dashboard", "Vetting", "Fraud queue", "Ledger", "Users", "Settings"]:
        await expect(nav.get_by_role("link", name=place, exact=True)).to_be_visible()
    for group in ["Programme", "Money", "Organisation"]:
        await expect(nav.get_by_role("heading", name=group)).to_be_visible()
    for path in ADMIN_PAGES:
        await page.goto(path)
        await expect(page.locator("h1").first).to_be_visible()
        assert await overflow(page) is None, path


async def test_an_admin_gets_around_on_a_phone(
    new_context: NewContext, live_program: Program
) -> None:
    # given a tenant admin on a phone
    page = await login(await new_context(viewport=PHONE), live_program.admin)
    nav = page.get_by_role("navigation", name="Main")

    # when the menu is opened and a place chosen
    await expect(nav).to_be_hidden()
    await page.get_by_role("button", name="Menu").click()
    await nav.get_by_role("link", name="Users", exact=True).click()

    # then the page opens, the menu closes, and no page is wider than the phone
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    await expect(nav).to_be_hidden()
    for path in ADMIN_PAGES:
        await page.goto(path)
        await expect(page.locator("h1").first).to_be_visible()
        assert await overflow(page) is None, path


async def test_the_platform_admin_reads_tenants_on_a_phone(
    new_context: NewContext, platform_admin: object
) -> None:
    assert isinstance(platform_admin, Account)
    page = await login_platform(await new_context(viewport=PHONE), platform_admin)

    await expect(page.locator("h1").first).to_be_visible()
    assert await overflow(page) is None
    await page.get_by_role("button", name="Menu").click()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    await expect(page.locator("h1").first).to_be_visible()
    assert await overflow(page) is None
