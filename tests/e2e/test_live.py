"""Live updates in a real Chromium: the app shell says whether its socket is connected, a page
following a topic updates without reload, and pages still work when the socket cannot connect."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, WebSocketRoute, expect

from tests.e2e.conftest import login
from tests.factories import Program, product

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
