"""The marketplace sorted by earnings per click: what affiliates earned from a product (their
shares and overrides, net of refunds) per filtered click, best first; unclicked ones last. The
same whether its clicks are still raw or counted into hourly rollups (before the tenant's mark),
and with clicks on both sides of the mark."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking import rollups
from tests.analytics.support import backdate_clicks
from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import Program


@pytest.mark.parametrize("rolled_up", [False, True], ids=["raw clicks", "rolled up"])
async def test_products_sort_by_earnings_per_click(
    program: Program,
    make_client: ClientFactory,
    owner_engine: Engine,
    db_urls: DatabaseUrls,
    rolled_up: bool,
) -> None:
    # given three products: two clicked and sold, one never clicked
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
    if rolled_up:  # the clicks settled hours ago, and counted into the hourly rollups
        backdate_clicks(owner_engine, program.admin.user["tenant"]["id"], 3)
        db = Database(db_urls.app)
        try:
            assert await rollups.roll_up(db) >= 1
        finally:
            await db.dispose()

    # when the marketplace is sorted by earnings per click
    market = await program.market("?sort=epc")

    # then the best earner comes first, the unclicked last
    assert [p["title"] for p in market["items"]] == [
        shop.product["title"],
        "Product B",
        "Product C",
    ]
    assert [p["epc_minor"] for p in market["items"]] == [1_800, 600, None]
    # and keyset paging walks the same order
    seen, cursor = [], None
    while True:
        page = await program.market(f"?sort=epc&limit=1{'&cursor=' + cursor if cursor else ''}")
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [shop.product["id"], second["id"], unclicked["id"]]
    # and the newest first shows the same figures
    newest = await program.market("")
    assert {p["title"]: p["epc_minor"] for p in newest["items"]} == {
        shop.product["title"]: 1_800,
        "Product B": 600,
        "Product C": None,
    }

    # when A is clicked again (after the mark, once rolled up)
    await shop.click(make_client())

    # then its earnings are spread over both clicks
    market = await program.market("?sort=epc")
    assert [p["epc_minor"] for p in market["items"]] == [900, 600, None]
