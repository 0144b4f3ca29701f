"""Tracked links in a real Chromium: an affiliate gets a link from a product page, downloads its
QR code, and pauses, resumes and deletes it from "My links"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from playwright.async_api import BrowserContext, expect

from tests.accounts.factories import invite_and_accept, signup_affiliate, signup_org
from tests.catalog.support import Program
from tests.e2e.test_catalog import _login

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def live_program(server_url: str) -> AsyncIterator[Program]:
    async with (
        httpx.AsyncClient(base_url=server_url, timeout=20) as a,
        httpx.AsyncClient(base_url=server_url, timeout=20) as v,
        httpx.AsyncClient(base_url=server_url, timeout=20) as f,
    ):
        admin = await signup_org(a)
        yield Program(
            admin, await invite_and_accept(admin, v), await signup_affiliate(f, admin.slug)
        )


async def test_an_affiliate_gets_a_link_and_manages_it(
    new_context: NewContext, live_program: Program
) -> None:
    offer = await live_program.approved(
        title="Rust for Pythonistas", landing_url="https://shop.example/rust"
    )
    assert offer["status"] == "approved"
    page = await _login(await new_context(accept_downloads=True), live_program.affiliate)
    await page.get_by_role("link", name="Marketplace").click()
    await page.get_by_test_id("product-card").filter(has_text="Rust for Pythonistas").click()

    form = page.get_by_role("form", name="Get link")
    await form.get_by_label("Alias (optional)").fill("bad alias!")
    await form.get_by_role("button", name="Create link").click()
    await expect(form.get_by_role("alert")).to_be_visible()
    await form.get_by_label("Alias (optional)").fill("rust-launch")
    await form.get_by_label("Deep link (optional)").fill("https://evil.example/")
    await form.get_by_role("button", name="Create link").click()
    await expect(form.get_by_text("Use a page on the product's site.")).to_be_visible()
    await form.get_by_label("Deep link (optional)").fill("https://shop.example/rust/syllabus")
    await form.get_by_label("UTM campaign").fill("launch")
    await form.get_by_role("button", name="Create link").click()
    ready = page.get_by_role("status").filter(has_text="Your link is ready")
    await expect(ready.get_by_test_id("short-url")).to_contain_text("/r/")
    await expect(ready).to_contain_text(f"/r/{live_program.admin.slug}/rust-launch")
    async with page.expect_download() as download_info:
        await ready.get_by_role("button", name="QR code (SVG)").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".svg")
    svg = (await download.path()).read_text()  # type: ignore[union-attr]
    assert svg.startswith("<?xml")
    assert "<svg" in svg

    await page.get_by_role("link", name="Links", exact=True).click()
    row = page.get_by_test_id("link-row")
    await expect(row).to_contain_text("Rust for Pythonistas")
    await expect(row).to_contain_text("campaign launch")
    await expect(row).to_contain_text("Sends visitors to https://shop.example/rust/syllabus")
    await row.get_by_role("button", name="Pause").click()
    await expect(row.get_by_text("paused")).to_be_visible()
    await row.get_by_role("button", name="Resume").click()
    await expect(row.get_by_text("active")).to_be_visible()
    page.once("dialog", lambda d: d.accept())
    await row.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No links yet")).to_be_visible()
