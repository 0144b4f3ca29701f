"""The ledger in plain words, in a real Chromium: after a sale and a partial refund, the
affiliate reads what they earned, the vendor what they owe, and the admin the platform's books,
each account by name (its code beside it), money in the currency, each entry's meaning."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Locator, expect

from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.e2e.conftest import login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]

SALE_MEANING = "A sale was reported: the vendor now owes its commission"
REFUND_MEANING = "The sale was refunded inside the refund window"


async def _href(row: Locator) -> str:
    """Where a statement line links to (the admin's live page redraws lines as they arrive)."""
    href = await row.get_by_role("link").get_attribute("href")
    assert href is not None
    return href


@pytest.fixture
async def shop(program: Program, make_client: ClientFactory) -> Shop:
    """A 100.00 USD sale (the affiliate earns 16.00, the vendor owes 20.00), a quarter refunded."""
    made = await open_shop(program, make_client)
    r = await made.report(order_id="A-1", click_id=await made.click(make_client()))
    assert r.status_code == 201, r.text
    r = await made.refund(r.json()["id"], amount_minor=2_500)
    assert r.status_code == 201, r.text
    return made


async def test_an_affiliate_reads_what_they_earned(new_context: NewContext, shop: Shop) -> None:
    # given the affiliate on their earnings proof
    page = await login(await new_context(), shop.affiliate)
    await page.goto("/app/earnings")
    await expect(page.get_by_role("heading", name="My earnings proof", level=1)).to_be_visible()

    # then their account is named, its code beside it, its balance in their words and dollars
    await expect(
        page.get_by_role("heading", name="Aff Iliate — pending commissions (USD)")
    ).to_be_visible()
    await expect(page.get_by_test_id("account-balance")).to_have_text(
        "You earned, still refundable: $12.00"
    )
    await expect(page.get_by_test_id("account-code")).to_have_text(
        f"affiliate:{shop.affiliate.id}:pending:USD"
    )
    # and each entry says what it did for them and what it means
    sale = page.locator("tbody tr").filter(has_text="Commission:")
    await expect(sale.get_by_test_id("entry-effect")).to_have_text("You earned")
    await expect(sale).to_contain_text("$16.00")
    await expect(sale.get_by_test_id("entry-meaning")).to_contain_text(SALE_MEANING)
    refund = page.locator("tbody tr").filter(has_text="Refund: order A-1")
    await expect(refund.get_by_test_id("entry-effect")).to_have_text("No longer pending")
    await expect(refund).to_contain_text("-$4.00")
    await expect(refund.get_by_test_id("entry-meaning")).to_contain_text(REFUND_MEANING)
    await expect(page.locator("main")).not_to_contain_text("2500 of 10000")

    # when they open the sale's entry
    await page.goto(await _href(sale))

    # then it says what it means, names their account and hides other members' names
    await expect(page.get_by_test_id("transaction-meaning")).to_contain_text(SALE_MEANING)
    postings = page.get_by_test_id("postings")
    mine = postings.locator("tr").filter(has_text="Aff Iliate — pending commissions (USD)")
    await expect(mine).to_contain_text("You earned")
    await expect(mine).to_contain_text("$16.00")
    await expect(postings).to_contain_text("A vendor — commissions receivable (USD)")
    await expect(postings).not_to_contain_text("Ven Dor")


async def test_a_vendor_reads_what_they_owe(new_context: NewContext, shop: Shop) -> None:
    # given the vendor on their ledger page
    page = await login(await new_context(), shop.program.vendor)
    await page.get_by_role("link", name="Commissions owed").click()

    # then it is titled for what it shows and speaks of what they owe
    await expect(
        page.get_by_role("heading", name="Commissions you owe, with proof", level=1)
    ).to_be_visible()
    await expect(
        page.get_by_role("heading", name="Vendor Ven Dor — commissions receivable (USD)")
    ).to_be_visible()
    await expect(page.get_by_test_id("account-balance")).to_have_text("You owe: $15.00")
    sale = page.locator("tbody tr").filter(has_text="Commission:")
    await expect(sale.get_by_test_id("entry-effect")).to_have_text("You owe more")
    await expect(sale).to_contain_text("$20.00")
    refund = page.locator("tbody tr").filter(has_text="Refund: order A-1")
    await expect(refund.get_by_test_id("entry-effect")).to_have_text("You owe less")
    await expect(refund).to_contain_text("-$5.00")


async def test_an_admin_reads_the_platforms_books(new_context: NewContext, shop: Shop) -> None:
    # given the admin on the ledger
    page = await login(await new_context(), shop.program.admin)
    await page.goto("/app/ledger")

    # then a legend says which accounts are assets and which liabilities
    await expect(page.get_by_test_id("books-legend")).to_contain_text(
        "Assets are owed to the platform"
    )
    await expect(page.get_by_test_id("books-legend")).to_contain_text(
        "Liabilities are what the platform owes"
    )

    # when they pick the vendor's account by its name
    await page.get_by_role("button", name="Vendor Ven Dor — commissions receivable (USD)").click()

    # then its balance reads in the books, each line up or down
    await expect(page.get_by_test_id("account-balance")).to_have_text(
        "Asset: owed to the platform: $15.00"
    )
    sale = page.locator("tbody tr").filter(has_text="Commission:")
    await expect(sale.get_by_test_id("entry-effect")).to_have_text("Asset up")
    refund = page.locator("tbody tr").filter(has_text="Refund: order A-1")
    await expect(refund.get_by_test_id("entry-effect")).to_have_text("Asset down")

    # when they open the refund
    await page.goto(await _href(refund))

    # then every account is named, the fee included, and the refund explained
    await expect(page.get_by_test_id("transaction-meaning")).to_contain_text(REFUND_MEANING)
    postings = page.get_by_test_id("postings")
    vendor = postings.locator("tr").filter(has_text="Vendor Ven Dor — commissions receivable")
    await expect(vendor).to_contain_text("Asset down")
    await expect(vendor).to_contain_text("$5.00")
    await expect(postings).to_contain_text("Platform fees (USD)")
    await expect(postings.locator("tr").filter(has_text="Platform fees")).to_contain_text(
        "Revenue down"
    )
