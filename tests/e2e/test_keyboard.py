"""The main tasks work from the keyboard alone: no click, no pointer, in a real Chromium."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.factories import PASSWORD, Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
MAX_TABS = 60  # more stops than this before a control is a usability fault in itself


async def focused(page: Page) -> str:
    """What has the keyboard focus, as a screen reader would name it (roughly)."""
    return str(
        await page.evaluate(
            """() => {
                const e = document.activeElement;
                const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
                return (e.getAttribute('aria-label') || label || e.innerText || '').trim();
            }"""
        )
    )


async def tab_to(page: Page, name: str | re.Pattern[str]) -> None:
    """Press Tab until the focus is on the control named `name`."""
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        label = await focused(page)
        if name.search(label) if isinstance(name, re.Pattern) else label == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab within {MAX_TABS} stops")


async def test_an_affiliate_logs_in_and_gets_a_link_by_keyboard_alone(
    new_context: NewContext, live_program: Program
) -> None:
    # given an approved product, and an affiliate at the login page with a keyboard only
    await live_program.approved(title="Keyboard Course", landing_url="https://shop.example/kb")
    who = live_program.affiliate
    page = await (await new_context()).new_page()
    await page.goto("/login")
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()

    # when the first Tab lands on the skip link, which takes the focus to the page's content
    await page.keyboard.press("Tab")
    assert await focused(page) == "Skip to content"
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    # and the affiliate fills the login form and presses Enter
    await tab_to(page, "Organisation")
    await page.keyboard.type(who.slug)
    await page.keyboard.press("Tab")
    await page.keyboard.type(who.email)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")

    # then they are in
    await expect(page).to_have_url(re.compile(r"/app$"))

    # when they go to the marketplace, open the product and create a link, by keyboard
    await tab_to(page, "Marketplace")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/app/marketplace"))
    await expect(page.get_by_test_id("product-card").first).to_be_visible()
    await tab_to(page, re.compile("Keyboard Course"))
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Keyboard Course")).to_be_visible()
    await expect(page.get_by_role("form", name="Get link")).to_be_visible()
    await tab_to(page, "Create link")
    await page.keyboard.press("Enter")

    # then the link is ready, announced as a status
    ready = page.get_by_role("status").filter(has_text="Your link is ready")
    await expect(ready.get_by_test_id("short-url")).to_contain_text("/r/")
