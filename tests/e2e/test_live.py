"""Live updates in a real Chromium: the app shell says whether its socket is connected, a page
following a topic updates without reload, pages still work when the socket cannot connect, and
the socket takes each refreshed token without reconnecting."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, WebSocket, WebSocketRoute, expect

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import launch_server
from tests.e2e.conftest import api_client, login
from tests.factories import PASSWORD, Program, product, signup_org
from tests.waiting import eventually

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
SOCKET = re.compile(r"/api/v1/socket$")


async def test_the_vetting_queue_grows_live_while_the_socket_is_connected(
    new_context: NewContext, live_program: Program
) -> None:
    admin, vendor = live_program.admin, live_program.vendor

    # given the admin's vetting queue, empty, with the socket connected
    desk = await login(await new_context(), admin)
    indicator = desk.get_by_test_id("connection-indicator")
    await expect(indicator).to_have_attribute("data-state", "connected")
    await expect(indicator).to_have_text("Live")
    await desk.get_by_role("link", name="Vetting").click()
    await expect(desk.get_by_text("Nothing is waiting for review.")).to_be_visible()

    # when a vendor lists a product through the API
    r = await vendor.client.post(
        "/api/v1/products", json=product(title="Live Listing"), headers=vendor.headers
    )
    assert r.status_code == 201, r.text

    # then it appears without a reload (nothing polls while the socket is connected)
    await expect(desk.get_by_test_id("queue-item")).to_contain_text("Live Listing")


async def test_pages_work_when_the_socket_cannot_connect(
    new_context: NewContext, live_program: Program
) -> None:
    # given a browser whose socket is closed as soon as it opens
    admin = live_program.admin
    context = await new_context()

    async def refuse(ws: WebSocketRoute) -> None:
        await ws.close(code=1011)

    await context.route_web_socket(SOCKET, refuse)

    # when the admin signs in and opens the vetting queue
    desk = await login(context, admin)
    await desk.get_by_role("link", name="Vetting").click()

    # then the indicator says live updates are off, and the page works all the same
    indicator = desk.get_by_test_id("connection-indicator")
    await expect(indicator).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    await expect(desk.get_by_text("Nothing is waiting for review.")).to_be_visible()


@pytest.fixture(scope="module")
def short_token_server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    """A server whose access tokens last a minute: the SPA renews them every few seconds."""
    proc, url = launch_server(settings, BITNEXUS_ACCESS_TOKEN_MINUTES="1")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


async def test_the_socket_takes_each_refreshed_token_without_reconnecting(
    browser: Browser, short_token_server: str
) -> None:
    # given an admin signed in where tokens last a minute, and what their tab's sockets say
    async with api_client(short_token_server) as c:
        admin = await signup_org(c)
    context = await browser.new_context(base_url=short_token_server)
    sockets: list[WebSocket] = []
    sent: list[str] = []
    received: list[str] = []

    def opened(ws: WebSocket) -> None:
        sockets.append(ws)
        ws.on("framesent", lambda frame: sent.append(str(frame)))
        ws.on("framereceived", lambda frame: received.append(str(frame)))

    try:
        page = await context.new_page()
        page.on("websocket", opened)
        await page.goto("/login")
        await page.get_by_label("Organisation").fill(admin.slug)
        await page.get_by_label("Email").fill(admin.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_test_id("connection-indicator")).to_have_attribute(
            "data-state", "connected"
        )

        # when the tab refreshes its session (a minute before expiry: at once, here) twice
        async def authenticated_thrice() -> bool:
            return sum('"op":"authenticated"' in r for r in received) >= 3

        await eventually(authenticated_thrice, "two re-authentications on the socket")

        # then each fresh token went over the one socket it had, which stayed connected
        assert len(sockets) == 1
        assert sum('"op":"auth"' in frame for frame in sent) >= 3
        await expect(page.get_by_test_id("connection-indicator")).to_have_attribute(
            "data-state", "connected"
        )
    finally:
        await context.close()
