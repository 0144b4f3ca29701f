"""Recurring sales in a real Chromium: the admin pays renewals for three renewals, the vendor's
server reports a subscription's first sale and its renewals, the affiliate sees each renewal's
commission labelled and the vendor sees the subscription's renewals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.commissions.support import api_key, settings
from tests.e2e.conftest import api_client, login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36"


async def test_renewals_earn_labelled_commissions_for_three_renewals(
    new_context: NewContext, live_program: Program, server_url: str
) -> None:
    program = live_program
    # given the admin pays renewals for 3 renewals (a sale right after its click is not held)
    assert (await settings(program.admin, fraud_min_click_seconds=0)).status_code == 200
    admin = await login(await new_context(), program.admin)
    await admin.get_by_role("link", name="Settings").click()
    await admin.get_by_label("Recurring commissions").select_option("renewals")
    await admin.get_by_label("Renewals that earn").fill("3")
    await admin.get_by_label("Lead reward", exact=False).fill("2.50")
    await admin.get_by_role("button", name="Save commission policy").click()
    await expect(admin.get_by_text("Commission policy saved.")).to_be_visible()

    # when the vendor's server reports a first sale through the affiliate's click, then four
    # renewals of the subscription (no click)
    async with api_client(server_url) as c:
        offer = await program.approved(title="Monthly course", commission={"bps": 1_000})
        link = (
            await c.post(
                "/api/v1/links", json={"product_id": offer["id"]}, headers=program.affiliate.headers
            )
        ).json()
        visit = await c.get(f"/r/{link['code']}", headers={"user-agent": DESKTOP})
        click = visit.headers["location"].split("bnx_cid=")[1][:32]
        key = await api_key(program.vendor)
        for n in range(5):
            sale = {"order_id": f"M-{n}", "amount_minor": 4_900, "currency": "USD"}
            r = await c.post(
                "/api/v1/conversions",
                json={
                    **sale,
                    "subscription_id": "SUB-42",
                    **({"click_id": click} if n == 0 else {}),
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 201, r.text

    # then the affiliate sees the first payment and three renewals, each labelled
    page = await login(await new_context(), program.affiliate)
    await page.get_by_role("link", name="Commissions").click()
    await expect(page.get_by_text("Renewal 3 of 3")).to_be_visible()
    for label in ("First payment", "Renewal 1 of 3", "Renewal 2 of 3"):
        await expect(page.get_by_text(label, exact=True)).to_be_visible()
    await expect(page.get_by_text("Renewal 4 of 3")).to_have_count(0)
    await expect(page.get_by_test_id("balance-pending")).to_have_text("$19.60")

    # and the vendor sees the subscription, the fourth renewal past the rule
    vendor = await login(await new_context(), program.vendor)
    await vendor.get_by_role("link", name="Sales").click()
    await vendor.get_by_test_id("subscription-link").first.click()
    await expect(vendor.get_by_role("heading", name="Subscription SUB-42")).to_be_visible()
    await expect(vendor.get_by_test_id("subscription-sale")).to_have_count(5)
    await expect(vendor.get_by_test_id("subscription-summary")).to_contain_text(
        "4 renewals, 3 with a commission"
    )
    await expect(
        vendor.get_by_text("past the commission policy's recurring window")
    ).to_be_visible()
