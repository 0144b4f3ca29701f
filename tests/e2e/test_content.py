"""The content generator in a real Chromium: an admin sets the credits and the disclosure, an
affiliate writes posts, edits and copies one, reads the history, and runs out of credits."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_an_affiliate_writes_edits_and_copies_posts_until_credits_run_out(
    new_context: NewContext, live_program: Program
) -> None:
    # given an approved product, and an admin who allows two posts a month with a disclosure
    offer = await live_program.approved(
        title="Rust for Pythonistas",
        description="Eight chapters on ownership and borrowing. Exercises in every chapter.",
    )
    admin = await login(await new_context(), live_program.admin)
    await admin.get_by_role("link", name="Settings").click()
    form = admin.get_by_role("form", name="Marketing content")
    await form.get_by_label("Content credits per month").fill("2")
    await form.get_by_label("Disclosure").fill("#ad Partner link")
    await form.get_by_role("button", name="Save content settings").click()
    await expect(form.get_by_role("status")).to_have_text("Content settings saved.")

    # when the affiliate goes from the product's page to write an X post about it
    context = await new_context(permissions=["clipboard-read", "clipboard-write"])
    page = await login(context, live_program.affiliate)
    await expect(page.get_by_role("link", name="Content", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Marketplace").click()
    await page.get_by_test_id("product-card").filter(has_text="Rust for Pythonistas").click()
    await page.get_by_role("link", name="Write a post").click()
    await expect(page.get_by_test_id("credits-left")).to_contain_text("2 of 2 credits left")
    write = page.get_by_role("form", name="Write a post")
    await expect(write.get_by_label("Product")).to_have_value(offer["id"])
    await write.get_by_label("Platform").select_option("x")
    await write.get_by_label("Tone").select_option("enthusiastic")
    await write.get_by_role("button", name="Generate").click()

    # then the preview holds a post with the short link and the disclosure, within 280
    post = page.get_by_role("textbox", name="Post", exact=True)
    await expect(post).to_have_value(re.compile(r"Rust for Pythonistas"))
    await expect(post).to_have_value(re.compile(r"/r/\w{12} #ad Partner link"))
    await expect(page.get_by_test_id("post-length")).to_contain_text(re.compile(r"^\d+ / 280"))
    await expect(page.get_by_test_id("credits-left")).to_contain_text("1 of 2 credits left")

    # and an edit that makes it too long is flagged, undone, and the post copies as shown
    written = await post.input_value()
    await post.fill(written + " and more" * 40)
    await expect(page.get_by_role("alert").filter(has_text="Too long for X")).to_be_visible()
    await page.get_by_role("button", name="Undo edits").click()
    await expect(post).to_have_value(written)
    await page.get_by_role("button", name="Copy").click()
    await expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == written

    # when they write an email, the second and last credit
    await write.get_by_label("Platform").select_option("email")
    await write.get_by_role("button", name="Generate").click()
    await expect(page.get_by_role("textbox", name="Subject", exact=True)).not_to_have_value("")
    await expect(page.get_by_test_id("credits-left")).to_contain_text("0 of 2 credits left")
    rows = page.get_by_test_id("generation-row")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Email")

    # then a third is refused with a clear message, and the history still opens the X post
    await write.get_by_role("button", name="Generate").click()
    await expect(write.get_by_role("alert")).to_contain_text("Content credits used up")
    await rows.nth(1).get_by_role("button", name="Open").click()
    await expect(post).to_have_value(written)
    await expect(rows).to_have_count(2)
