"""Every page of every role passes axe-core (the engine behind Lighthouse's accessibility
audit) with no violation of any impact."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, expect

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import api_key
from tests.e2e.conftest import login, login_platform
from tests.factories import Account, Program, bearer, make_ledger, unique_email
from tests.recruiting.support import apply, make_programme

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
AXE = Path(__file__).parents[2] / "frontend/node_modules/axe-core/axe.min.js"
NO_TOKEN = "not-a-real-token"


async def violations(page: Page, path: str) -> list[str]:
    """axe-core's violations on `path` once it has drawn its data, one line each."""
    await page.goto(path)
    await expect(page.locator("h1").first).to_be_visible()
    await expect(page.get_by_text("Loading", exact=False)).to_have_count(0)
    if not await page.evaluate("() => 'axe' in window"):
        await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
    ]


async def scan(page: Page, paths: list[str]) -> dict[str, list[str]]:
    found = {path: await violations(page, path) for path in paths}
    return {path: lines for path, lines in found.items() if lines}


@pytest.fixture
async def furnished(
    live_program: Program, db_urls: DatabaseUrls, settings: Settings
) -> dict[str, str]:
    """Ids of things the pages show: a product, a sealed ledger transaction, a subscription
    (SUB-A11Y: a first sale and a renewal) and the affiliate in a group of that product."""
    product = await live_program.approved()
    await group_with(live_program, product["id"])
    transactions = await make_ledger(db_urls, settings, live_program.admin, 2, seal_at=(2,))
    programme = await make_programme(live_program.admin)  # an application waits in the queue
    assert (await apply(live_program.admin.client, programme, unique_email("a11y"))).is_success
    vendor = live_program.vendor
    key = await api_key(vendor)
    for order in ("A11Y-1", "A11Y-2"):
        sale = {"order_id": order, "amount_minor": 4_900, "currency": "USD"}
        r = await vendor.client.post(
            "/api/v1/conversions",
            json={**sale, "product_id": product["id"], "subscription_id": "SUB-A11Y"},
            headers=bearer(key),
        )
        assert r.status_code == 201, r.text
    return {"product": product["id"], "transaction": transactions[0]}


async def group_with(program: Program, product_id: str) -> None:
    """A group with every term set, and the affiliate moved into it with a note."""
    admin = program.admin
    terms = {
        "name": "VIP partners",
        "description": "Our best sellers",
        "commission_bps": 3_000,
        "product_ids": [product_id],
        "payout_threshold_minor": 2_000,
    }
    r = await admin.client.post("/api/v1/groups", json=terms, headers=admin.headers)
    assert r.status_code == 201, r.text
    move = {"affiliate_id": program.affiliate.id, "group_id": r.json()["id"], "note": "Top seller"}
    r = await admin.client.post("/api/v1/groups/moves", json=move, headers=admin.headers)
    assert r.status_code == 201, r.text


async def test_public_pages_pass_axe(new_context: NewContext, live_program: Program) -> None:
    # given a visitor (axe is injected past the pages' own script policy)
    page = await (await new_context(bypass_csp=True)).new_page()
    slug = live_program.admin.slug
    await make_programme(live_program.admin)  # the join page with terms and every kind of question

    # when every public page is scanned
    found = await scan(
        page,
        [
            "/",
            "/login",
            "/signup",
            "/forgot-password",
            f"/reset-password?token={NO_TOKEN}",
            f"/join/{slug}",
            f"/join/confirm?token={NO_TOKEN}",
            f"/t/{slug}/unavailable",
            f"/unsubscribe?token={NO_TOKEN}",
            "/link-not-found",
            f"/invite/{NO_TOKEN}",
            "/no-such-page",
        ],
    )

    # then none has a violation
    assert found == {}


@pytest.mark.parametrize("role", ["admin", "vendor", "affiliate"])
async def test_every_page_of_each_role_passes_axe(
    new_context: NewContext, live_program: Program, furnished: dict[str, str], role: str
) -> None:
    # given a member of the organisation, logged in
    who: Account = getattr(live_program, role)
    page = await login(await new_context(bypass_csp=True), who)
    product, transaction = furnished["product"], furnished["transaction"]
    pages = {
        "admin": [
            "/app",
            "/app/dashboard",
            "/app/marketplace",
            f"/app/marketplace?product={product}",  # the product's drawer
            "/app/products",
            f"/app/products/{product}",
            "/app/affiliates",
            f"/app/affiliates/{live_program.affiliate.id}",
            "/app/groups",
            "/app/vetting",
            "/app/links",
            "/app/content",
            "/app/sales",
            "/app/sales/subscriptions/SUB-A11Y",
            "/app/commissions",
            "/app/payout-batches",
            "/app/fraud",
            "/app/ledger",
            "/app/ledger/blocks/0",
            f"/app/ledger/transactions/{transaction}",
            "/app/settings",
            "/app/recruiting",
            "/app/users",
            "/app/webhooks",
            "/app/notifications",
            "/app/profile",
            "/app/earnings",
            "/dev/mailbox",
        ],
        "vendor": [
            "/app",
            "/app/dashboard",
            "/app/marketplace",
            f"/app/marketplace?product={product}",  # the product's drawer
            "/app/products",
            "/app/products/new",
            f"/app/products/{product}",
            f"/app/products/{product}/edit",
            "/app/sales",
            "/app/sales/subscriptions/SUB-A11Y",
            "/app/webhooks",
            "/app/notifications",
            "/app/profile",
            "/app/earnings",
        ],
        "affiliate": [
            "/app",
            "/app/dashboard",
            "/app/marketplace",
            f"/app/marketplace?product={product}",  # the product's drawer
            f"/app/products/{product}",
            "/app/links",
            "/app/content",
            "/app/commissions",
            "/app/payouts",
            "/app/earnings",
            "/app/notifications",
            "/app/profile",
        ],
    }[role]

    # when each page the role can open is scanned
    found = await scan(page, pages)

    # then none has a violation
    assert found == {}


async def test_the_platform_pages_pass_axe(new_context: NewContext, platform_admin: object) -> None:
    assert isinstance(platform_admin, Account)
    page = await login_platform(await new_context(bypass_csp=True), platform_admin)

    found = await scan(page, ["/platform/tenants", "/platform/activity", "/dev/mailbox"])

    assert found == {}
