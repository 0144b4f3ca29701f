"""The app loads light: scripts go out brotli-compressed and split per page, so the first
screen downloads a fraction of the whole app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Request, expect

from tests.e2e.conftest import login
from tests.factories import Program
from tests.waiting import eventually

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
FIRST_SCREEN_BUDGET = 250 * 1024  # bytes of script on the wire
COMPRESSED_FROM = 1024  # the build compresses files from this size (frontend/vite.config.ts)


class Scripts:
    """The scripts a browser context fetched: by file name, their coding and bytes on the wire."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: dict[str, tuple[str | None, int]] = {}
        context.on("requestfinished", self._finished)

    async def _finished(self, request: Request) -> None:
        if request.resource_type != "script":
            return
        response = await request.response()
        assert response is not None
        headers = await response.all_headers()
        size = int(headers["content-length"])
        self.seen[request.url.split("/")[-1]] = (headers.get("content-encoding"), size)

    def fetched(self, prefix: str) -> bool:
        return any(name.startswith(prefix) for name in self.seen)

    @property
    def wire_bytes(self) -> int:
        return sum(size for _, size in self.seen.values())


async def test_the_first_screens_load_under_budget_and_pages_load_on_demand(
    new_context: NewContext, live_program: Program
) -> None:
    # given a browser with nothing cached, watching the scripts it fetches
    context = await new_context()
    scripts = Scripts(context)

    # when a visitor opens the landing page, then logs in as an organisation's admin
    landing = await context.new_page()
    await landing.goto("/")
    await expect(landing.get_by_role("link", name="Log in").first).to_be_visible()
    page = await login(context, live_program.admin)
    await expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()

    # then every script worth compressing came brotli-compressed, all together within budget
    assert scripts.seen, "no script was fetched"
    plain = [name for name, (coding, size) in scripts.seen.items() if coding != "br"]
    assert all(scripts.seen[name][1] < COMPRESSED_FROM for name in plain), scripts.seen
    assert scripts.wire_bytes <= FIRST_SCREEN_BUDGET, scripts.seen
    # and the dashboard's charts were not among them
    assert not scripts.fetched("DashboardPage")

    # when the admin opens the dashboard, its chunk arrives then
    await page.goto("/app/dashboard")
    await expect(page.get_by_role("heading", name="Clicks by country")).to_be_visible()
    await eventually(_async(lambda: scripts.fetched("DashboardPage")), "the dashboard's chunk")


def _async(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def run() -> bool:
        return check()

    return run
