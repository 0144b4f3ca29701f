"""Affiliate groups in the browser: an admin makes "VIP partners" at 30%, moves an affiliate in
from their profile, and the affiliate's next sale earns 30%; bad input is named field by field."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Page, expect

from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.e2e.conftest import login
from tests.factories import Program, earn

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def new_group(page: Page, name: str, *, percent: str = "", threshold: str = "") -> None:
    """Fill the Groups page's form (a percentage rule when `percent` is given) and send it."""
    await page.get_by_role("button", name="New group").click()
    form = page.get_by_role("form", name="New group")
    await form.get_by_label("Name").fill(name)
    if percent:
        await form.get_by_label("A percentage of the sale").check()
        await form.get_by_label("Percentage (%)").fill(percent)
    await form.get_by_label(re.compile(r"^Payout threshold")).fill(threshold)
    await form.get_by_role("button", name="Create group").click()


async def test_a_moved_affiliate_earns_the_group_rate_on_their_next_sale(
    new_context: NewContext, program: Program, make_client: ClientFactory
) -> None:
    # given an affiliate with a link to a product paying 20%, and no fee or override to share
    shop = await open_shop(program, make_client)
    r = await settings(program.admin, platform_fee_bps=0, override_bps=[])
    assert r.status_code == 200, r.text
    affiliate = shop.affiliate
    admin_name = program.admin.user["name"]

    # when the admin makes "VIP partners" at 30% on the Groups page
    page = await login(await new_context(), program.admin)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    await expect(page.get_by_role("heading", level=1, name="Groups")).to_be_visible()
    await new_group(page, "VIP partners", percent="30")

    # then it is listed with its rule, every product and no member yet
    row = page.get_by_test_id("group-row-VIP partners")
    await expect(row).to_contain_text("30%")
    await expect(row).to_contain_text("All products")
    await expect(row).to_contain_text("Organisation's")
    await expect(row).to_contain_text("0 members")

    # when they move the affiliate into it from the profile, with a note, and confirm
    await page.goto(f"/app/affiliates/{affiliate.id}")
    await expect(page.get_by_test_id("current-group")).to_contain_text("In no group")
    await page.get_by_label("Move to").select_option(label="VIP partners")
    await page.get_by_label("Note (optional)").fill("Best seller of the spring")
    await page.get_by_role("button", name="Move").click()
    question = page.get_by_role("group", name=re.compile("applies to their new sales only"))
    await question.get_by_role("button", name="Move").click()

    # then the profile shows the group and the move: who, from where to where, and why
    await expect(page.get_by_test_id("current-group")).to_contain_text("VIP partners")
    moves = page.get_by_test_id("group-moves")
    await expect(moves).to_contain_text("No group → VIP partners")
    await expect(moves).to_contain_text(f"by {admin_name}")
    await expect(moves).to_contain_text("Best seller of the spring")

    # when a $100 sale is reported for a click of that affiliate
    r = await shop.report(order_id="VIP-1", click_id=await shop.click(make_client()))
    assert r.status_code == 201, r.text

    # then they earn 30% of it, not the product's 20%
    earned = await shop.balances(affiliate)
    assert earned["pending"] + earned["held"] == 3_000
    await page.reload()
    commissions = page.get_by_test_id("affiliate-commissions")
    await expect(commissions).to_contain_text("VIP-1")
    await expect(commissions).to_contain_text("$30.00")

    # and the affiliate reads their group's terms on their payouts page
    mine = await login(await new_context(), affiliate)
    await mine.goto("/app/payouts")
    await expect(mine.get_by_test_id("my-group")).to_contain_text("VIP partners")
    await expect(mine.get_by_test_id("my-group")).to_contain_text("earn 30% on every product")
    await mine.goto("/app/marketplace")
    card = mine.get_by_test_id("product-card").filter(has_text=shop.product["title"])
    await expect(card).to_contain_text("30% ($14.70 per sale), your VIP partners rate")

    # and the group, which has a member now, cannot be deleted: the API's reason is shown
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    row = page.get_by_test_id("group-row-VIP partners")
    await row.get_by_role("button", name="Delete").click()
    await (
        row.get_by_role("group", name="Delete the group VIP partners?")
        .get_by_role("button", name="Delete")
        .click()
    )
    await expect(row.get_by_role("alert")).to_contain_text("Move its members")

    # and its member count leads to a directory of its members only
    await row.get_by_role("link", name="1 member").click()
    await expect(page).to_have_url(re.compile(r"/app/affiliates\?group="))
    await expect(page.get_by_label("Group", exact=True)).to_have_value(re.compile(".+"))
    member = page.get_by_test_id(f"affiliate-row-{affiliate.email}")
    await expect(member).to_contain_text("VIP partners")
    await expect(page.get_by_test_id(f"affiliate-row-{shop.upline.email}")).to_have_count(0)


async def test_the_payout_preview_shows_a_group_threshold_where_it_differs(
    new_context: NewContext, program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given an organisation paying out from $50, and an affiliate in a group paying from $10
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=5_000)).status_code == 200
    admin = program.admin
    terms = {"name": "Small sellers", "payout_threshold_minor": 1_000}
    r = await admin.client.post("/api/v1/groups", json=terms, headers=admin.headers)
    assert r.status_code == 201, r.text
    move = {"affiliate_id": shop.affiliate.id, "group_id": r.json()["id"], "note": ""}
    r = await admin.client.post("/api/v1/groups/moves", json=move, headers=admin.headers)
    assert r.status_code == 201, r.text

    # when a matured sale leaves them $16.00 available (their upline $2.00)
    await earn(shop, make_client, db_urls, 1)
    page = await login(await new_context(), admin)
    await page.goto("/app/payout-batches")

    # then the preview names the group's threshold for the affiliate only
    candidates = page.get_by_test_id("payout-candidates").get_by_role("listitem")
    await expect(candidates.filter(has_text="$16.00")).to_contain_text("threshold $10.00 (group)")
    await expect(candidates.filter(has_text="$2.00")).not_to_contain_text("threshold")


@pytest.mark.parametrize(
    ("name", "percent", "threshold", "errors"),
    [
        pytest.param("vip PARTNERS", "30", "", {"Name": "name"}, id="duplicate-name"),
        pytest.param(
            "Newcomers",
            "150",
            "lots",
            {"Percentage (%)": "", "Payout threshold (USD)": ""},
            id="bad-percentage-and-threshold",
        ),
    ],
)
async def test_bad_group_input_is_named_field_by_field(
    new_context: NewContext,
    program: Program,
    name: str,
    percent: str,
    threshold: str,
    errors: dict[str, str],
) -> None:
    # given an organisation with "VIP partners"
    admin = program.admin
    r = await admin.client.post(
        "/api/v1/groups",
        json={"name": "VIP partners", "commission_bps": 3_000},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    page = await login(await new_context(), admin)
    await page.goto("/app/groups")

    # when the admin sends the form with bad input
    await new_group(page, name, percent=percent, threshold=threshold)

    # then every bad field says what is wrong, all at once, and nothing was made
    form = page.get_by_role("form", name="New group")
    for label, words in errors.items():
        field = form.get_by_label(label, exact=True)
        await expect(field).to_have_attribute("aria-invalid", "true")
        await expect(field).to_have_accessible_description(re.compile(words or r"\S", re.I))
    r = await admin.client.get("/api/v1/groups", headers=admin.headers)
    assert [g["name"] for g in r.json()] == ["VIP partners"]
