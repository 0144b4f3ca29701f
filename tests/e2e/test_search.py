"""Search in a real Chromium: the marketplace's search box finds products by words and by
meaning and says which; a product, in the marketplace's drawer and on its page, shows similar
ones (and, in the drawer, the affiliate's link to it); the dashboard recommends products.

The server process loads the embedding model on the first typed search (this test's only):
about 300 MB and a few seconds of CPU, inside the expectation's ceiling."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.search import jobs
from bitnexus.search.embedder import Embedder
from tests.e2e.conftest import login
from tests.factories import Program
from tests.factories import product as _product

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]

PRODUCTS = [
    ("DeFi Trading Masterclass", "Finance", "Liquidity pools, yield farming and wallet safety.", "A"),
    ("Sourdough at Home", "Cooking", "Keep a starter alive and bake crusty loaves.", "A"),
    ("Morning Yoga Flow", "Fitness", "Twenty-minute vinyasa sessions to stretch and breathe.", "A"),
    ("Ethereum Smart Contracts", "Software", "Write and deploy contracts in Solidity.", "A"),
    ("Artisan Bread Baking", "Cooking", "Baguettes, rye and focaccia from your own oven.", "C"),
]  # fmt: skip


async def test_the_search_box_finds_by_words_and_meaning_and_says_which(
    new_context: NewContext, live_program: Program, db_urls: DatabaseUrls, embedder: Embedder
) -> None:
    admin, vendor, affiliate = live_program.admin, live_program.vendor, live_program.affiliate
    # given approved products, embedded by the indexer
    for title, category, description, grade in PRODUCTS:
        body = _product(title=title, category=category, description=description, tags=[])
        r = await vendor.client.post("/api/v1/products", json=body, headers=vendor.headers)
        await admin.client.post(
            f"/api/v1/products/{r.json()['id']}/review",
            json={"decision": "approved", "grade": grade},
            headers=admin.headers,
        )
    db = Database(db_urls.app, pool_size=1)
    try:
        await jobs.index_tenant(db, embedder, uuid.UUID(admin.tenant_id))
    finally:
        await db.dispose()

    # when the affiliate describes what they want in other words
    page = await login(await new_context(), affiliate)
    await page.get_by_role("link", name="Marketplace").click()
    filters = page.get_by_role("form", name="Filter products")
    await filters.get_by_label("Search").fill("crypto course")
    await filters.get_by_role("button", name="Apply filters").click()

    # then the crypto products come first, matched by meaning
    hits = page.get_by_test_id("search-hit")
    await expect(hits.first).to_be_visible()
    first_two = hits.filter(has_text="DeFi Trading Masterclass").or_(
        hits.filter(has_text="Ethereum Smart Contracts")
    )
    await expect(first_two).to_have_count(2)
    defi = hits.filter(has_text="DeFi Trading Masterclass")
    await expect(defi.get_by_test_id("match-badge")).to_have_attribute("data-match", "semantic")
    await expect(defi.get_by_test_id("match-badge")).to_have_text("Meaning")

    # when they type a product's own words
    await filters.get_by_label("Search").fill("sourdough loaves")
    await filters.get_by_role("button", name="Apply filters").click()

    # then it matches both ways, and its page shows similar products
    bread = hits.filter(has_text="Sourdough at Home")
    await expect(bread.get_by_test_id("match-badge")).to_have_text("Words + meaning")
    await expect(hits.first).to_contain_text("Sourdough at Home")
    await expect(hits.filter(has_text="Artisan Bread Baking")).to_have_count(1)

    # when they keep to grade A
    await filters.get_by_label("A", exact=True).check()
    await filters.get_by_role("button", name="Apply filters").click()

    # then the bread graded C is left out of the search, the other stays
    await expect(hits.filter(has_text="Artisan Bread Baking")).to_have_count(0)
    await expect(bread).to_have_count(1)

    # when they take a quick look at the sourdough, over the results
    await bread.get_by_role("button", name="Quick look at Sourdough at Home").click()

    # then a drawer shows its terms and the products like it
    drawer = page.get_by_role("dialog", name="Sourdough at Home")
    await expect(drawer).to_be_visible()
    await expect(drawer.get_by_test_id("price")).not_to_be_empty()
    await expect(drawer).to_contain_text("Keep a starter alive")
    like_it = drawer.get_by_test_id("similar-products").get_by_test_id("product-tile")
    await expect(like_it.first).to_contain_text("Artisan Bread Baking")

    # when they open a similar product there and get their link to it
    await like_it.filter(has_text="Artisan Bread Baking").click()
    other = page.get_by_role("dialog", name="Artisan Bread Baking")
    await other.get_by_role("form", name="Get link").get_by_label("UTM source").fill("drawer")
    await other.get_by_role("button", name="Create link").click()

    # then the drawer shows the link, ready to share
    ready = other.get_by_role("status").filter(has_text="Your link is ready")
    await expect(ready.get_by_test_id("short-url")).to_contain_text("/r/")
    await expect(other.get_by_role("link", name="Write a post")).to_be_visible()

    # when they go back
    await page.go_back()

    # then the drawer shows the sourdough again, with a link form of its own (the other's link
    # not shown); closed, it leaves the results as they were
    await expect(drawer).to_be_visible()
    await expect(drawer.get_by_role("form", name="Get link")).to_be_visible()
    await expect(drawer.get_by_text("Your link is ready")).to_have_count(0)
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(bread).to_have_count(1)
    await expect(hits.filter(has_text="Artisan Bread Baking")).to_have_count(0)

    # and the product's own page shows similar products too
    await bread.get_by_test_id("product-card").click()
    await expect(page.get_by_role("heading", name="Similar products")).to_be_visible()
    similar = page.get_by_test_id("similar-products").get_by_test_id("product-tile")
    await expect(similar.first).to_contain_text("Artisan Bread Baking")

    # when they open the similar product's page, get another link to it there and go back
    await similar.filter(has_text="Artisan Bread Baking").click()
    await expect(page.get_by_role("heading", name="Artisan Bread Baking", level=1)).to_be_visible()
    await page.get_by_role("button", name="Create link").click()
    await expect(page.get_by_role("status").filter(has_text="Your link is ready")).to_be_visible()
    await page.go_back()

    # then the sourdough's page has its own link form, the other's link not shown
    await expect(page.get_by_role("heading", name="Sourdough at Home", level=1)).to_be_visible()
    await expect(page.get_by_role("form", name="Get link")).to_be_visible()
    await expect(page.get_by_text("Your link is ready")).to_have_count(0)

    # and the dashboard recommends the products they do not promote yet, those like the one
    # they now promote first
    await page.goto("/app/dashboard")
    recs = page.get_by_test_id("recommendations").get_by_test_id("product-tile")
    await expect(recs).to_have_count(len(PRODUCTS) - 1)
    await expect(recs.filter(has_text="Artisan Bread Baking")).to_have_count(0)
    await expect(recs.first).to_contain_text("Sourdough at Home")
