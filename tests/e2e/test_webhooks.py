"""Webhooks in a real Chromium: an admin registers an endpoint on a local receiver, copies the
secret shown once, sends a test, and sees the delivered message in the log, signed with that
secret (checked by the independent `standardwebhooks` package)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect
from standardwebhooks import Webhook

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import launch_server
from tests.e2e.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, api_client, login
from tests.factories import signup_org
from tests.waiting import eventually
from tests.webhooks.support import Received, Receiver, serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def hooks_server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    """A server that may call private addresses (the local receiver) and sends due webhooks
    every 0.2 s, as an operator would configure one for receivers on a private network."""
    proc, url = launch_server(
        settings,
        BITNEXUS_WEBHOOKS_ALLOW_PRIVATE="true",
        BITNEXUS_WEBHOOKS_POLL_SECONDS="0.2",
    )
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


async def test_an_admin_registers_an_endpoint_and_sees_a_test_delivery(
    browser: Browser, hooks_server: str, receiver: Receiver
) -> None:
    # given an organisation's admin logged in on the Webhooks page
    async with api_client(hooks_server) as client:
        admin = await signup_org(client)
    context = await browser.new_context(base_url=hooks_server)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        page = await login(context, admin)
        await page.get_by_role("link", name="Webhooks").click()

        # when they add an endpoint for approvals and copy its secret
        await page.get_by_label("Endpoint URL").fill(receiver.url)
        await page.get_by_label("Description").fill("Our CRM")
        await page.get_by_role("checkbox", name="product.approved").check()
        await page.get_by_role("button", name="Add endpoint").click()
        secret = await page.get_by_test_id("webhook-secret").inner_text()
        endpoint = page.get_by_test_id(f"webhook-endpoint-{receiver.url}")
        await expect(endpoint).to_contain_text("Our CRM")

        # and send a test
        await endpoint.get_by_role("button", name="Send test").click()

        # then the log shows it delivered, with the receiver's answer
        log = endpoint.get_by_test_id("delivery-log")
        await expect(log).to_contain_text("webhook.test")
        await expect(log).to_contain_text("succeeded")
        await log.get_by_role("button", name="webhook.test").click()
        detail = endpoint.get_by_test_id("delivery-detail")
        await expect(detail).to_contain_text("Response: 200")
        await expect(detail).to_contain_text("webhook-signature")
    finally:
        await context.close()

    # and the receiver got it, signed with the secret the page showed
    async def received() -> list[Received]:
        return receiver.requests()

    [got] = await eventually(received, "the receiver got the test")
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"
