"""A new organisation's admin lands on the getting-started checklist and works through it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_a_new_admin_is_guided_from_the_home_page(
    new_context: NewContext, live_program: Program
) -> None:
    # given a new organisation (its vendor and affiliate joined: recruiting is done)
    page = await login(await new_context(), live_program.admin)
    checklist = page.get_by_test_id("onboarding")

    # then the home page is the checklist, with the join page to share
    await expect(page.get_by_role("heading", name="Get your programme running")).to_be_visible()
    await expect(page.get_by_test_id("onboarding-progress")).to_have_text("1 of 6 steps done")
    await expect(checklist.get_by_test_id("step-recruit")).to_contain_text("done")
    await expect(page.get_by_test_id("join-url")).to_contain_text(
        f"/join/{live_program.admin.slug}"
    )

    # when the admin follows "Make it yours" and picks a brand colour
    await checklist.get_by_role("link", name="Make it yours").click()
    await page.get_by_label("Brand colour", exact=True).fill("#0f766e")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Settings saved.")).to_be_visible()

    # then back home that step is ticked
    await page.get_by_role("link", name="Home").click()
    await expect(checklist.get_by_test_id("step-branding")).to_contain_text("done")
    await expect(page.get_by_test_id("onboarding-progress")).to_have_text("2 of 6 steps done")

    # when the checklist is put away, it stays away
    await page.get_by_role("button", name="Hide this checklist").click()
    await expect(checklist).to_be_hidden()
    await page.reload()
    await expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    await expect(checklist).to_be_hidden()
