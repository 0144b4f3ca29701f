"""A group's rule decides its members' new sales of its products; a move or a change of terms
leaves recorded commissions as they were."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.factories import Program
from tests.groups.support import make_group, move


async def _pool(shop: Shop, make_client: ClientFactory, order: str) -> int:
    """The commission pool of a 100.00 sale through the affiliate's link."""
    r = await shop.report(order_id=order, click_id=await shop.click(make_client()))
    assert r.status_code == 201, r.text
    return int(r.json()["pool_minor"])


@pytest.mark.parametrize(
    ("group", "pool"),
    [
        pytest.param({"commission_bps": 3_000}, 3_000, id="a rate"),
        pytest.param({"commission_bps": None, "commission_fixed_minor": 750}, 750, id="fixed"),
        pytest.param({"commission_bps": None}, 2_000, id="no rule: the product's"),
        pytest.param({"products": "this"}, 3_000, id="covers the product"),
        pytest.param({"products": "another"}, 2_000, id="covers another product"),
    ],
)
async def test_a_members_sale_earns_by_the_groups_rule_where_it_covers_the_product(
    program: Program, make_client: ClientFactory, group: dict[str, Any], pool: int
) -> None:
    # given a product paying 20% and a group with this rule, the affiliate in it
    shop = await open_shop(program, make_client)
    which = group.pop("products", None)
    if which is not None:
        other = await program.approved(title="Another course")
        group["product_ids"] = [shop.product["id"] if which == "this" else other["id"]]
    made = await make_group(program.admin, **group)
    assert (await move(program.admin, shop.affiliate, made)).status_code == 201

    # when a 100.00 sale comes through their link, then the pool is the rule's
    assert await _pool(shop, make_client, "G-1") == pool


async def test_moves_and_new_terms_apply_to_new_sales_only(
    program: Program, make_client: ClientFactory
) -> None:
    # given a sale at the product's 20%
    shop = await open_shop(program, make_client)
    assert await _pool(shop, make_client, "A-1") == 2_000

    # when the affiliate joins "VIP partners" (30%), then their next sale earns 30%
    vip = await make_group(program.admin)
    r = await move(program.admin, shop.affiliate, vip, note="Top seller in May")
    assert r.status_code == 201, r.text
    assert await _pool(shop, make_client, "A-2") == 3_000

    # when the group's rate changes to 25%, then only sales from now on earn it
    h = program.admin.headers
    changed = {"name": "VIP partners", "commission_bps": 2_500}
    r = await program.admin.client.put(f"/api/v1/groups/{vip['id']}", json=changed, headers=h)
    assert r.status_code == 200, r.text
    assert await _pool(shop, make_client, "A-3") == 2_500

    # when they leave the group, then the product's rule is back
    assert (await move(program.admin, shop.affiliate, None)).status_code == 201
    assert await _pool(shop, make_client, "A-4") == 2_000

    # and every recorded sale kept the pool it was recorded with
    r = await program.vendor.client.get("/api/v1/conversions", headers=program.vendor.headers)
    pools = {c["order_id"]: c["pool_minor"] for c in r.json()["items"]}
    assert pools == {"A-1": 2_000, "A-2": 3_000, "A-3": 2_500, "A-4": 2_000}

    # and the moves are told newest first, with where from and where to
    r = await program.admin.client.get(
        "/api/v1/groups/moves", params={"affiliate_id": shop.affiliate.id}, headers=h
    )
    told = [(m["from_group_name"], m["group_name"], m["note"]) for m in r.json()]
    assert told == [("VIP partners", None, ""), (None, "VIP partners", "Top seller in May")]
    assert {m["moved_by_name"] for m in r.json()} == {program.admin.user["name"]}
