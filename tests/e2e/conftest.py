"""A real Chromium (Debian's, installed by `make test`) against the real server process
(`server_url`, in tests/conftest.py)."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.accounts.factories import (
    PASSWORD,
    Account,
    invite_and_accept,
    signup_affiliate,
    signup_org,
)
from tests.catalog.support import Program

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
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        await ctx.close()


@pytest.fixture
async def live_program(server_url: str) -> AsyncIterator[Program]:
    """An organisation on the real server with its admin, a vendor and an affiliate."""
    async with (
        httpx.AsyncClient(base_url=server_url, timeout=20) as a,
        httpx.AsyncClient(base_url=server_url, timeout=20) as v,
        httpx.AsyncClient(base_url=server_url, timeout=20) as f,
    ):
        admin = await signup_org(a)
        yield Program(
            admin, await invite_and_accept(admin, v), await signup_affiliate(f, admin.slug)
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
