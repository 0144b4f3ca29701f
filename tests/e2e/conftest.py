"""A real Chromium (Debian's, installed by `make test`) against the real server process
(`server_url`, in tests/conftest.py)."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Download,
    Locator,
    Page,
    async_playwright,
    expect,
)

from tests.factories import (
    PASSWORD,
    Account,
    Program,
    invite_and_accept,
    signup_affiliate,
    signup_org,
)

# Ceilings, not waits: a step goes on as soon as its condition holds. They allow for a machine
# several times slower than an idle one (a loaded CI runner, `stress-ng --cpu 2` beside the suite),
# where Playwright's own defaults (5 s for `expect`) fail pages that are merely slow.
ACTION_TIMEOUT_MS = 30_000  # a click, a fill: waits for the element to be visible and enabled
NAVIGATION_TIMEOUT_MS = 60_000  # goto, reload: the page's load event
EXPECT_TIMEOUT_MS = 30_000  # expect(...): retried until it holds
HTTP_TIMEOUT_S = 60.0  # the tests' own API calls (a signup hashes a password)
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        await b.close()


@pytest.fixture
async def new_context(browser: Browser, server_url: str) -> AsyncIterator[object]:
    contexts: list[BrowserContext] = []

    async def make(**kwargs: object) -> BrowserContext:
        ctx = await browser.new_context(base_url=server_url, **kwargs)  # type: ignore[arg-type]
        ctx.set_default_timeout(ACTION_TIMEOUT_MS)
        ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        await ctx.close()


def api_client(server_url: str) -> httpx.AsyncClient:
    """A client of the real server's API, patient enough for a loaded machine."""
    return httpx.AsyncClient(base_url=server_url, timeout=HTTP_TIMEOUT_S)


@pytest.fixture
async def live_program(server_url: str) -> AsyncIterator[Program]:
    """An organisation on the real server with its admin, a vendor and an affiliate."""
    async with (
        api_client(server_url) as a,
        api_client(server_url) as v,
        api_client(server_url) as f,
    ):
        admin = await signup_org(a)
        yield Program(
            admin,
            await invite_and_accept(admin, v),
            await signup_affiliate(f, admin.slug, admin=admin),
        )


async def login(context: BrowserContext, who: Account) -> Page:
    """A new page in `context`, logged in through the login form as `who`."""
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("Organisation").fill(who.slug)
    await page.get_by_label("Email").fill(who.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/app$"))
    return page


async def login_platform(context: BrowserContext, who: Account) -> Page:
    """A new page in `context`, logged in as the platform admin `who` (the platform's login)."""
    page = await context.new_page()
    await page.goto("/login?org=platform")
    await page.get_by_label("Email").fill(who.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/platform/tenants$"))
    return page


async def download_of(page: Page, button: Locator) -> Download:
    """The file a click on `button` downloads. A page that shows an alert instead (a failed
    export says why in one) fails the test at once with the alert's text, rather than after
    the download's whole timeout."""
    alerts = page.get_by_role("alert")
    shown = alerts.nth(await alerts.count())  # the first alert after the click
    downloaded = asyncio.ensure_future(page.wait_for_event("download"))
    failed = asyncio.ensure_future(shown.wait_for())
    try:
        await button.click()
        await asyncio.wait({downloaded, failed}, return_when=asyncio.FIRST_COMPLETED)
        if not downloaded.done() and failed.done() and failed.exception() is None:
            pytest.fail(f"no download: the page said {await shown.inner_text()!r}")
        download: Download = await downloaded
        return download
    finally:
        for waiting in (downloaded, failed):
            if waiting.done() and not waiting.cancelled():
                waiting.exception()  # seen: a wait that lost its race is no error of its own
            waiting.cancel()
