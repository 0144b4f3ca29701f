"""Tracked links in a real Chromium: an affiliate gets a link from a product page, downloads its
QR code, and pauses, resumes and deletes it from "My links"."""

from __future__ import annotations

import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import download_of, login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_an_affiliate_gets_a_link_and_manages_it(
    new_context: NewContext, live_program: Program
) -> None:
    offer = await live_program.approved(
        title="Rust for Pythonistas", landing_url="https://shop.example/rust"
    )
    assert offer["status"] == "approved"
    context = await new_context(accept_downloads=True, permissions=["clipboard-write"])
    page = await login(context, live_program.affiliate)
    await page.get_by_role("link", name="Marketplace").click()
    await page.get_by_test_id("product-card").filter(has_text="Rust for Pythonistas").click()

    form = page.get_by_role("form", name="Get link")
    await form.get_by_label("Alias (optional)").fill("bad alias!")
    await form.get_by_role("button", name="Create link").click()
    await expect(form.get_by_role("alert")).to_be_visible()
    await form.get_by_label("Alias (optional)").fill("rust-launch")
    await form.get_by_label("Deep link (optional)").fill("https://evil.example/")
    await form.get_by_role("button", name="Create link").click()
    await expect(form.get_by_text("Use a page on the product's site.")).to_be_visible()
    await form.get_by_label("Deep link (optional)").fill("https://shop.example/rust/syllabus")
    await form.get_by_label("UTM campaign").fill("launch")
    await form.get_by_role("button", name="Create link").click()
    ready = page.get_by_role("status").filter(has_text="Your link is ready")
    await expect(ready.get_by_test_id("short-url")).to_contain_text("/r/")
    await expect(ready).to_contain_text(f"/r/{live_program.admin.slug}/rust-launch")
    await ready.get_by_role("button", name="Copy link", exact=True).click()
    await expect(ready.get_by_text("Copied", exact=True)).to_be_visible()
    download = await download_of(page, ready.get_by_role("button", name="QR code (SVG)"))
    assert download.suggested_filename.endswith(".svg")
    svg = (await download.path()).read_text()  # type: ignore[union-attr]
    assert svg.startswith("<?xml")
    assert "<svg" in svg

    await page.get_by_role("link", name="Links", exact=True).click()
    row = page.get_by_test_id("link-row")
    await expect(row).to_contain_text("Rust for Pythonistas")
    await expect(row).to_contain_text("campaign launch")
    await expect(row).to_contain_text("Sends visitors to https://shop.example/rust/syllabus")
    await row.get_by_role("button", name="Pause").click()
    await expect(row.get_by_text("paused")).to_be_visible()
    await row.get_by_role("button", name="Resume").click()
    await expect(row.get_by_text("active")).to_be_visible()
    page.once("dialog", lambda d: d.accept())
    await row.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No links yet")).to_be_visible()


@pytest.fixture
def vendor_site() -> Iterator[str]:
    """A vendor's site on this machine: every page shows the address it was asked for."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"<html><body><h1>Vendor page</h1><p id='asked'>{self.path}</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_a_visitor_follows_a_link_to_the_vendor_and_the_click_counts(
    new_context: NewContext, live_program: Program, vendor_site: str
) -> None:
    offer = await live_program.approved(landing_url=f"{vendor_site}/landing")
    a = live_program.affiliate
    r = await a.client.post(
        "/api/v1/links",
        json={"product_id": offer["id"], "utm_campaign": "launch"},
        headers=a.headers,
    )
    link = r.json()

    # headless Chromium says so in its User-Agent, which the bot rules count out: be a desktop one
    desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36"
    visitor = await (await new_context(user_agent=desktop)).new_page()
    await visitor.goto(link["short_url"])
    await expect(visitor.get_by_role("heading", name="Vendor page")).to_be_visible()
    asked = await visitor.locator("#asked").inner_text()
    assert asked.startswith("/landing?")
    assert "utm_campaign=launch" in asked
    assert "bnx_cid=" in asked

    page = await login(await new_context(), a)
    await page.get_by_role("link", name="Links", exact=True).click()
    await expect(page.get_by_test_id("link-clicks")).to_contain_text("1 click · 1 unique")

    async with page.expect_response(
        lambda r: r.request.method == "PATCH" and f"/api/v1/links/{link['id']}" in r.url
    ) as paused:
        await page.get_by_role("button", name="Pause").click()
    assert (await paused.value).ok
    await expect(page.get_by_text("paused")).to_be_visible()
    # the server's answer first, then the browser's (a failure says which side kept the old one)
    answer = await a.client.get(link["short_url"], follow_redirects=False)
    assert re.search(r"/t/[^/]+/unavailable$", answer.headers["location"]), answer.headers
    await visitor.goto(link["short_url"])
    await expect(visitor).to_have_url(re.compile(r"/t/[^/]+/unavailable$"))  # where it landed
    await expect(visitor.get_by_test_id("offer-unavailable")).to_be_visible()
    await visitor.goto(link["short_url"].replace(link["code"], "NoSuchLink00"))
    await expect(visitor.get_by_test_id("link-not-found")).to_be_visible()
