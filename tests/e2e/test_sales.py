"""Sales in a real Chromium: a visitor follows an affiliate's link to a vendor's site whose
`/sdk/bnx.js` snippet reports the sale from the thank-you page; the affiliate and their upline
see their pending commissions, the vendor refunds part of the sale, and what is left matures."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import BrowserContext, expect

from bitnexus.commissions import jobs
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import api_key, settings
from tests.e2e.conftest import api_client, download_of, login
from tests.factories import Program, signup_affiliate

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36"


class Shop:
    """A vendor's site on `localhost` (another host than the server's 127.0.0.1, so the cookie
    the snippet keeps is the shop's own): a landing page and a thank-you page."""

    def __init__(self, server_url: str) -> None:
        self.server_url, self.key = server_url, ""
        shop = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                snippet = f'<script src="{shop.server_url}/sdk/bnx.js" data-key="{shop.key}"'
                if self.path.startswith("/thanks"):
                    body = (
                        f"<h1>Thank you</h1><p id='result'>reporting…</p>{snippet} onload=\"bnx.convert("
                        "{orderId: 'E2E-1', amountMinor: 4900, currency: 'USD'}).then("
                        "r => document.getElementById('result').textContent = 'recorded ' + r.state,"
                        " e => document.getElementById('result').textContent = 'refused ' + e.message)\"></script>"
                    )
                else:
                    body = (
                        f"<h1>Python course</h1><a href='/thanks'>Buy</a>{snippet} async></script>"
                    )
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(f"<html><body>{body}</body></html>".encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://localhost:{self.server.server_address[1]}"


@pytest.fixture
def shop(server_url: str) -> Iterator[Shop]:
    made = Shop(server_url)
    threading.Thread(target=made.server.serve_forever, daemon=True).start()
    yield made
    made.server.shutdown()


async def test_a_sale_reported_by_the_snippet_pays_the_affiliate_and_the_upline(
    new_context: NewContext,
    live_program: Program,
    shop: Shop,
    server_url: str,
    db_urls: DatabaseUrls,
) -> None:
    # given a program paying a 10% fee and a 10% level-1 override, whose affiliate has referred
    # a seller, and the seller's link to a vendor's product paying 20%
    program, upline = live_program, live_program.affiliate
    policy = {
        "platform_fee_bps": 1_000,
        "override_bps": [1_000],
        "fraud_min_click_seconds": 0,
        "payout_threshold_minor": 500,
    }
    assert (await settings(program.admin, **policy)).status_code == 200
    async with api_client(server_url) as c:
        seller = await signup_affiliate(
            c, program.admin.slug, referral_code=upline.user["referral_code"]
        )
        offer = await program.approved(
            title="Python course",
            landing_url=f"{shop.url}/landing",
            commission={"bps": 2_000},
            refund_hold_days=7,
        )
        link = (
            await c.post("/api/v1/links", json={"product_id": offer["id"]}, headers=seller.headers)
        ).json()
        shop.key = await api_key(program.vendor, scope="conversions:browser")

        # when a visitor follows the link and buys on the vendor's site
        visitor = await (await new_context(user_agent=DESKTOP)).new_page()
        await visitor.goto(link["short_url"])
        await expect(visitor.get_by_role("heading", name="Python course")).to_be_visible()
        await visitor.wait_for_function("document.cookie.includes('bnx_cid=')")
        await visitor.get_by_role("link", name="Buy").click()
        await expect(visitor.locator("#result")).to_have_text("recorded pending")

        # then the seller and the upline see their pending shares of the pool:
        # 20% of 49.00 = 9.80: fee 0.98, upline 0.98, seller 7.84
        page = await login(await new_context(), seller)
        await page.get_by_role("link", name="Commissions").click()
        await expect(page.get_by_test_id("balance-pending")).to_have_text("$7.84")
        row = page.get_by_test_id("commission-row")
        await expect(row).to_contain_text("Python course")
        await expect(row).to_contain_text("pending")
        up = await login(await new_context(), upline)
        await up.get_by_role("link", name="Commissions").click()
        await expect(up.get_by_test_id("balance-pending")).to_have_text("$0.98")
        await expect(up.get_by_test_id("commission-row")).to_contain_text(
            "Referral override, level 1"
        )

        # when the vendor refunds 10.00 of it (a bad amount first)
        vendor = await login(await new_context(), program.vendor)
        await vendor.get_by_role("link", name="Sales").click()
        sale = vendor.get_by_test_id("sale-row").filter(has_text="Order E2E-1")
        await expect(sale.get_by_test_id("sale-commission")).to_have_text("$9.80")
        await sale.get_by_role("button", name="Refund…").click()
        form = sale.get_by_test_id("refund-form")
        await form.get_by_label("Amount (USD)").fill("abc")
        await form.get_by_role("button", name="Refund").click()
        await expect(form.get_by_role("alert")).to_contain_text("Enter an amount")
        await form.get_by_label("Amount (USD)").fill("10.00")
        await form.get_by_label("Reason").fill("one module returned")
        await form.get_by_role("button", name="Refund").click()
        await expect(sale).to_contain_text("refunded $10.00")
        # then every share shrinks to 39/49 of itself
        await page.reload()
        await expect(page.get_by_test_id("balance-pending")).to_have_text("$6.24")

        # when the refund hold ends, then what is left becomes available
        db = Database(db_urls.app)
        try:
            await jobs.mature(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
        finally:
            await db.dispose()
        await page.reload()
        await expect(page.get_by_test_id("balance-available")).to_have_text("$6.24")
        await expect(page.get_by_test_id("balance-pending")).to_have_text("$0.00")
        await expect(page.get_by_test_id("commission-row")).to_contain_text("available")

        # when the seller says where to be paid (a bad IBAN first), and the admin pays a batch,
        # exports it and marks it paid
        await page.get_by_role("link", name="Payouts").click()
        await page.get_by_label("Method").select_option("bank_transfer")
        await page.get_by_label("Account holder").fill("Sam Seller")
        await page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")
        await page.get_by_role("button", name="Save payout method").click()
        await expect(page.get_by_role("alert")).to_contain_text("Not a valid IBAN")
        await page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
        await page.get_by_role("button", name="Save payout method").click()
        await expect(page.get_by_test_id("payout-method")).to_contain_text("IBAN ···· 3000")

        admin = await login(await new_context(accept_downloads=True), program.admin)
        await admin.get_by_role("link", name="Payouts").click()
        candidates = admin.get_by_test_id("payout-candidates")
        await expect(candidates).to_contain_text("$6.24")
        await expect(candidates).to_contain_text("left out: no payout method")  # the upline
        await admin.get_by_role("button", name="Make batch ($6.24)").click()
        item = admin.get_by_test_id("batch-item")
        await expect(item).to_contain_text("in payment")
        download = await download_of(admin, admin.get_by_role("button", name="Export CSV"))
        exported = (await download.path()).read_text()  # type: ignore[union-attr]
        assert "DE89370400440532013000" in exported
        assert ",6.24,USD," in exported
        await item.get_by_role("button", name="Mark paid").click()
        await item.get_by_role("button", name="Yes, it was paid").click()
        await expect(item).to_contain_text("paid")
        await expect(admin.get_by_test_id("batch-totals")).to_contain_text("closed")

        # then the seller sees the payout paid
        await page.reload()
        await expect(page.get_by_test_id("my-payout")).to_contain_text("$6.24")
        await expect(page.get_by_test_id("my-payout")).to_contain_text("paid")
        await page.get_by_role("link", name="Commissions").click()
        await expect(page.get_by_test_id("balance-paid")).to_have_text("$6.24")
        await expect(page.get_by_test_id("balance-available")).to_have_text("$0.00")

        # and every dashboard agrees with the pages above and with the ledger
        await page.get_by_role("link", name="Dashboard").click()
        await expect(page.get_by_test_id("dash-clicks")).to_have_text("1")
        await expect(page.get_by_test_id("dash-conversions")).to_have_text("1")
        await expect(page.get_by_test_id("dash-earnings")).to_have_text("$6.24")
        await expect(page.get_by_test_id("dash-paid")).to_have_text("$6.24")
        await expect(page.get_by_test_id("dash-pending")).to_have_text("$0.00")
        await expect(page.get_by_test_id("links-table")).to_contain_text("$6.24")
        await expect(page.get_by_test_id("campaigns-table")).to_contain_text("$6.24")
        await expect(page.get_by_test_id("traffic-chart")).to_be_visible()
        await up.get_by_role("link", name="Dashboard").click()
        await expect(up.get_by_test_id("dash-earnings")).to_have_text("$0.78")  # 98 cut to 78
        await expect(up.get_by_test_id("dash-available")).to_have_text("$0.78")
        await vendor.get_by_role("link", name="Dashboard").click()
        await expect(vendor.get_by_test_id("dash-sales")).to_have_text("1")
        await expect(vendor.get_by_test_id("dash-commission")).to_have_text("$7.80")
        await expect(vendor.get_by_test_id("dash-receivable")).to_have_text("$7.80")
        await vendor.get_by_role("link", name="Products").click()
        await expect(vendor.get_by_test_id("product-stats")).to_contain_text(
            "1 click · 1 sale · $49.00 revenue · $7.80 commission"
        )
        await admin.get_by_role("link", name="Dashboard").click()
        await expect(admin.get_by_test_id("dash-fees")).to_contain_text("$0.78")
        await expect(admin.get_by_text("$0.78 on the ledger, all time")).to_be_visible()
        await expect(admin.get_by_test_id("leaders")).to_contain_text("$6.24")
        await expect(admin.get_by_test_id("campaigns-table")).to_contain_text("$7.02")  # both


async def test_an_admin_sets_the_commission_policy(
    new_context: NewContext, live_program: Program
) -> None:
    # given the admin on the settings page
    page = await login(await new_context(), live_program.admin)
    await page.get_by_role("link", name="Settings").click()

    # when shares that add up to more than the pool are saved, then the form says so
    await page.get_by_label("Platform fee (% of the pool)").fill("60")
    await page.get_by_label("Level 1").fill("50")
    await page.get_by_role("button", name="Save commission policy").click()
    await expect(page.get_by_role("alert").filter(has_text="may not exceed 100%")).to_be_visible()

    # when a valid policy is saved
    await page.get_by_label("Platform fee (% of the pool)").fill("5")
    await page.get_by_label("Level 2").fill("2.5")
    await page.get_by_label("Level 1").fill("10")
    await page.get_by_label("Attribution").select_option("first_click")
    async with page.expect_response(
        lambda r: r.request.method == "PATCH" and r.url.endswith("/api/v1/tenant/settings")
    ) as saving:
        await page.get_by_role("button", name="Save commission policy").click()
    assert (await saving.value).ok

    # then the page confirms it, the API returns it, and the other pages still work
    await expect(page.get_by_text("Commission policy saved.")).to_be_visible()
    async with api_client(str(page.url).split("/app")[0]) as c:
        got = await c.get("/api/v1/tenant/settings", headers=live_program.admin.headers)
    assert (got.json()["platform_fee_bps"], got.json()["override_bps"]) == (500, [1_000, 250])
    assert got.json()["attribution"] == "first_click"
    await page.get_by_role("link", name="Sales").click()
    await expect(page.get_by_text("No sales reported yet.")).to_be_visible()


async def test_a_held_sale_is_appealed_and_approved_in_the_fraud_queue(
    new_context: NewContext, live_program: Program, server_url: str
) -> None:
    program = live_program
    async with api_client(server_url) as c:
        offer = await program.approved(title="Held course", commission={"bps": 1_000})
        link = (
            await c.post(
                "/api/v1/links", json={"product_id": offer["id"]}, headers=program.affiliate.headers
            )
        ).json()
        visit = await c.get(f"/r/{link['code']}", headers={"user-agent": DESKTOP})
        click = visit.headers["location"].split("bnx_cid=")[1][:32]
        key = await api_key(program.vendor)
        r = await c.post(
            "/api/v1/conversions",
            json={
                "order_id": "F-1",
                "amount_minor": 4_900,
                "currency": "USD",
                "click_id": click,
                "customer_ref": program.affiliate.user["email"],
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.json()["state"] == "held", r.text

    page = await login(await new_context(), program.affiliate)
    await page.get_by_role("link", name="Commissions").click()
    await expect(page.get_by_test_id("balance-held")).to_have_text("$4.90")
    held = page.get_by_test_id("my-hold")
    await expect(held).to_contain_text("The buyer looks like you")
    await held.get_by_label("Your appeal").fill("My partner bought it for our team.")
    await held.get_by_role("button", name="Send appeal").click()
    await expect(held.get_by_test_id("hold-history")).to_contain_text("Appealed")

    admin = await login(await new_context(), program.admin)
    await admin.get_by_role("link", name="Fraud queue").click()
    row = admin.get_by_test_id("hold-row").filter(has_text="Held course")
    await expect(row).to_contain_text("My partner bought it for our team.")
    await row.get_by_label("Note (the affiliate sees it)").fill("Team purchase confirmed.")
    await row.get_by_role("button", name="Approve").click()
    await expect(admin.get_by_text("Nothing is waiting: no sale is held.")).to_be_visible()

    await page.reload()
    await expect(page.get_by_test_id("balance-pending")).to_have_text("$4.90")
    await expect(page.get_by_test_id("balance-held")).to_have_text("$0.00")
    await expect(page.get_by_test_id("my-hold")).to_contain_text("Team purchase confirmed.")


MONEY_PAGES = {
    "affiliate": ("/app/commissions", "/app/dashboard", "/app/payouts"),
    "admin": ("/app/sales", "/app/fraud", "/app/payout-batches", "/app/dashboard", "/app/settings"),
    "vendor": ("/app/sales", "/app/dashboard"),
}
PHONE_WIDTH = 390


@pytest.mark.parametrize("role", list(MONEY_PAGES))
async def test_the_money_pages_fit_a_phone(
    new_context: NewContext, live_program: Program, role: str
) -> None:
    # given a phone-sized window, logged in
    page = await login(
        await new_context(viewport={"width": PHONE_WIDTH, "height": 844}),
        getattr(live_program, role),
    )

    # when each of the role's money pages has loaded
    too_wide: dict[str, tuple[int, list[str]]] = {}
    for path in MONEY_PAGES[role]:
        await page.goto(path)
        await expect(page.get_by_role("button", name="Menu")).to_be_visible()
        await expect(page.locator("main, #root").first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[path] = (
                width,
                await page.evaluate(
                    "[...document.querySelectorAll('body *')]"
                    f".filter(e => e.getBoundingClientRect().right > {PHONE_WIDTH + 1})"
                    ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
                    ".slice(-3)"
                ),
            )

    # then none is wider than the phone (each page that is, with its widest elements, is named)
    assert too_wide == {}


async def test_a_dashboard_shows_money_in_the_currency_picked(
    new_context: NewContext, live_program: Program, server_url: str
) -> None:
    """A program selling in USD and EUR: the dashboard opens in USD and offers the other."""
    assert (await settings(live_program.admin, fraud_min_click_seconds=0)).status_code == 200
    product = await live_program.approved(
        landing_url="https://shop.example/eur", commission={"bps": 2_000}, currency="EUR"
    )
    affiliate = live_program.affiliate
    r = await affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=affiliate.headers
    )
    assert r.status_code == 201, r.text
    async with api_client(server_url) as visitor:
        answer = await visitor.get(f"/r/{r.json()['code']}", headers={"user-agent": DESKTOP})
    click = answer.headers["location"].split("bnx_cid=")[1]
    key = await api_key(live_program.vendor)
    r = await live_program.vendor.client.post(
        "/api/v1/conversions",
        json={"order_id": "EUR-1", "amount_minor": 5_000, "currency": "EUR", "click_id": click},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 201, r.text

    page = await login(await new_context(), affiliate)
    await page.get_by_role("link", name="Dashboard").click()
    picker = page.get_by_test_id("currency-picker").get_by_role("combobox")
    await expect(picker).to_have_value("USD")
    await expect(page.get_by_test_id("dash-earnings")).to_have_text("$0.00")
    await picker.select_option("EUR")
    await expect(page.get_by_test_id("dash-earnings")).to_have_text("€10.00")  # 20% of €50
    await expect(page.get_by_test_id("dash-pending")).to_have_text("€10.00")
    await page.get_by_role("button", name="Last 7 days").click()  # the currency stays
    await expect(picker).to_have_value("EUR")
    await expect(page.get_by_test_id("dash-conversions")).to_have_text("1")
    # the click came from this machine's own address: no country to tell
    countries = page.get_by_test_id("countries-table")
    await expect(countries.get_by_role("row").nth(1)).to_contain_text("Unknown")
    await expect(countries.get_by_role("row").nth(1)).to_contain_text("1")


@pytest.mark.parametrize(("typed", "saved_bps"), [("12.5", 1250), ("12,25", 1225), ("7", 700)])
async def test_the_default_commission_is_typed_as_a_percentage(
    new_context: NewContext, live_program: Program, typed: str, saved_bps: int
) -> None:
    # given the admin on the settings page
    page = await login(await new_context(), live_program.admin)
    await page.get_by_role("link", name="Settings").click()

    # when a percentage with more than two decimals is saved, then the field says so
    field = page.get_by_label("Default commission (%)")
    await field.fill("12.555")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_role("alert").first).to_be_visible()

    # when a percentage is typed the way people write it, it is saved in basis points
    await field.fill(typed)
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Settings saved.")).to_be_visible()
    async with api_client(str(page.url).split("/app")[0]) as c:
        got = await c.get("/api/v1/tenant/settings", headers=live_program.admin.headers)
    assert got.json()["default_commission_bps"] == saved_bps
