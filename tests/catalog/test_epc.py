"""The marketplace sorted by earnings per click: what affiliates earned from a product (their
shares and overrides, net of refunds) per filtered click, best first; unclicked ones last."""

from __future__ import annotations

from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import Program


async def test_products_sort_by_earnings_per_click(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)  # product A: 20%, one link
    second = await program.approved(title="Product B", commission={"bps": 2_000})
    unclicked = await program.approved(title="Product C", commission={"bps": 9_000})
    r = await shop.affiliate.client.post(
        "/api/v1/links", json={"product_id": second["id"]}, headers=shop.affiliate.headers
    )
    link_b = r.json()
    # A: one click, one sale: 1,600 + the upline's 200 = 1,800 per click
    await shop.report(order_id="E-1", click_id=await shop.click(make_client()))
    # B: three clicks (and a crawler, not counted), one sale: 1,800 / 3 = 600 per click
    clicks = [await shop.click(make_client(), link_b) for _ in range(3)]
    await make_client().get(f"/r/{link_b['code']}", headers={"user-agent": "Googlebot/2.1"})
    await shop.report(order_id="E-2", click_id=clicks[0])

    market = await program.market("?sort=epc")
    assert [p["title"] for p in market["items"]] == [
        shop.product["title"],
        "Product B",
        "Product C",
    ]
    assert [p["epc_minor"] for p in market["items"]] == [1_800, 600, None]
    # keyset paging walks the same order
    seen, cursor = [], None
    while True:
        page = await program.market(f"?sort=epc&limit=1{'&cursor=' + cursor if cursor else ''}")
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [shop.product["id"], second["id"], unclicked["id"]]
