"""The catalog in a real Chromium: a vendor lists a product with an image, an admin grades and
approves it from the vetting queue, an affiliate finds it in the marketplace with filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import login
from tests.factories import Program
from tests.factories import png as _png

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_a_product_goes_from_vendor_through_vetting_to_the_marketplace(
    new_context: NewContext, live_program: Program, tmp_path: Path
) -> None:
    admin, vendor, affiliate = live_program.admin, live_program.vendor, live_program.affiliate

    # the vendor lists a product; a wrong price is caught before anything is sent
    page = await login(await new_context(), vendor)
    await page.get_by_role("link", name="Products").click()
    await expect(page.get_by_text("No products yet")).to_be_visible()
    await page.get_by_role("link", name="List a product").click()
    form = page.get_by_role("form", name="Product")
    await form.get_by_label("Title").fill("Rust for Pythonistas")
    await form.get_by_label("Category").fill("Courses")
    await form.get_by_label("Tags").fill("rust, python")
    await form.get_by_label("Price (USD)").fill("49.9.0")
    await form.get_by_label("Landing page").fill("https://vendor.example/rust")
    await form.get_by_label("Percentage of the sale").check()
    await form.get_by_label("Percentage", exact=True).fill("25")
    await form.get_by_role("button", name="Submit for review").click()
    await expect(form.get_by_text("An amount in USD")).to_be_visible()
    await form.get_by_label("Price (USD)").fill("49.90")
    await form.get_by_role("button", name="Submit for review").click()
    await expect(page.get_by_role("heading", name="Rust for Pythonistas")).to_be_visible()
    await expect(page.get_by_test_id("commission")).to_have_text("25% ($12.47 per sale)")
    await expect(page.get_by_text("Waiting for review").first).to_be_visible()
    image = tmp_path / "cover.png"
    image.write_bytes(_png(120, 90))
    await page.get_by_label("Add an image").set_input_files(image)
    await expect(page.get_by_role("button", name="Remove")).to_be_visible()

    # nothing in the marketplace yet
    shopper = await login(await new_context(), affiliate)
    await shopper.get_by_role("link", name="Marketplace").click()
    await expect(shopper.get_by_text("No approved products match")).to_be_visible()

    # the admin grades and approves it from the queue
    desk = await login(await new_context(), admin)
    await desk.get_by_role("link", name="Vetting").click()
    item = desk.get_by_test_id("queue-item")
    await expect(item).to_contain_text("Rust for Pythonistas")
    await expect(item).to_contain_text("25% ($12.47 per sale)")
    await item.get_by_role("button", name="Approve").click()  # no grade is chosen for them
    await expect(
        item.get_by_text("An approval needs a grade (S, A, B, C, D or F).")
    ).to_be_visible()
    await item.get_by_label("Grade").select_option("S")
    await item.get_by_label("Notes for the vendor").fill("Great landing page")
    await item.get_by_role("button", name="Approve").click()
    await expect(desk.get_by_text("Nothing is waiting for review")).to_be_visible()

    # the affiliate finds it; filters narrow the list
    await shopper.reload()
    card = shopper.get_by_test_id("product-card")
    await expect(card).to_contain_text("Rust for Pythonistas")
    await expect(card.get_by_test_id("grade")).to_have_text("Grade S")
    await expect(card).to_contain_text("Earn 25% ($12.47 per sale)")
    filters = shopper.get_by_role("form", name="Filter products")
    await filters.get_by_label("Min commission per sale (USD)").fill("20")
    await filters.get_by_role("button", name="Apply filters").click()
    await expect(shopper.get_by_text("No approved products match")).to_be_visible()
    await filters.get_by_label("Min commission per sale (USD)").fill("12")
    await filters.get_by_label("Category").select_option("Courses")
    await filters.get_by_role("button", name="Apply filters").click()
    await expect(card).to_have_count(1)
    await card.click()
    await expect(shopper.get_by_test_id("price")).to_have_text("$49.90")
    await expect(shopper.get_by_text("Great landing page")).to_have_count(0)  # notes: vendor's

    # the vendor sees the decision and the reviewer's notes
    await page.reload()
    await expect(page.get_by_test_id("review-notes")).to_contain_text("Great landing page")
    await expect(page.get_by_test_id("review-history")).to_contain_text("Approved · grade S")


async def test_a_rejected_product_shows_its_reason_to_its_vendor_at_phone_width(
    new_context: NewContext, live_program: Program
) -> None:
    admin, vendor = live_program.admin, live_program.vendor
    r = await vendor.client.post(
        "/api/v1/products",
        json={
            "title": "Miracle pills",
            "category": "Health",
            "price_minor": 999,
            "currency": "USD",
            "landing_url": "https://vendor.example/pills",
        },
        headers=vendor.headers,
    )
    assert r.status_code == 201
    desk = await login(await new_context(), admin)
    await desk.goto("/app/vetting")
    item = desk.get_by_test_id("queue-item")
    await item.get_by_label("Reject").check()
    await item.get_by_role("button", name="Reject").click()
    await expect(item.get_by_role("alert")).to_contain_text("needs a reason")
    await item.get_by_label("Reason for rejecting").fill("Health claims are not allowed")
    await item.get_by_role("button", name="Reject").click()
    await expect(desk.get_by_text("Nothing is waiting for review")).to_be_visible()

    page = await login(await new_context(viewport={"width": 390, "height": 844}), vendor)
    await page.get_by_role("button", name="Menu").click()
    await page.get_by_role("link", name="Products").click()
    row = page.get_by_test_id("my-products")
    await expect(row).to_contain_text("Rejected: Health claims are not allowed")
    await row.get_by_role("link", name="Miracle pills").click()
    await expect(page.get_by_test_id("rejection-reason")).to_contain_text("Health claims")
    await page.get_by_role("button", name="Edit product").click()
    await page.get_by_role("form", name="Product").get_by_label("Title").fill("Vitamin D, 1000 IU")
    await page.get_by_role("button", name="Save and resubmit").click()
    await expect(page.get_by_text("Waiting for review").first).to_be_visible()


async def test_currencies_are_chosen_from_the_iso_list(
    new_context: NewContext, live_program: Program
) -> None:
    # given a vendor listing a product
    page = await login(await new_context(), live_program.vendor)
    await page.goto("/app/products/new")
    currency = page.get_by_role("form", name="Product").get_by_label("Currency")

    # then the currency is a choice among ISO 4217's, by code and name, and prices follow it
    await expect(currency).to_have_value("USD")
    await expect(currency.locator("option[value='SEK']")).to_have_text("SEK · Swedish Krona")
    assert await currency.locator("option").count() > 150
    await currency.select_option("JPY")
    await expect(page.get_by_label("Price (JPY)")).to_be_visible()

    # and so is the organisation's default currency
    admin = await login(await new_context(), live_program.admin)
    await admin.goto("/app/settings")
    default = admin.get_by_label("Default currency")
    await expect(default).to_have_value("USD")
    await expect(default.locator("option[value='EUR']")).to_have_text("EUR · Euro")
