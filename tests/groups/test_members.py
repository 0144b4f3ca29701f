"""What an affiliate is told of their group: a notification when they are moved, in words of
their new terms, and the terms themselves."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from tests.factories import Account, Program
from tests.groups.support import make_group, move
from tests.notifications.support import deliver, notifications


@pytest.mark.parametrize(
    ("terms", "title", "body"),
    [
        pytest.param(
            {"commission_bps": 3_000, "payout_threshold_minor": 1_000},
            "You joined VIP partners",
            "From your next sale you earn 30% on every product. "
            "You are paid once 10.00 USD is available.",
            id="a rate and a threshold",
        ),
        pytest.param(
            {"commission_bps": None, "commission_fixed_minor": 750},
            "You joined VIP partners",
            "From your next sale you earn 7.50 USD a sale on every product.",
            id="a fixed amount",
        ),
        pytest.param(
            {"commission_bps": 1_250},
            "You joined VIP partners",
            "From your next sale you earn 12.5% on every product.",
            id="a part of a percent",
        ),
    ],
)
async def test_a_moved_affiliate_is_told_their_new_terms(
    app: FastAPI,
    owner_engine: Engine,
    program: Program,
    terms: dict[str, Any],
    title: str,
    body: str,
) -> None:
    # given an affiliate moved into a group
    vip = await make_group(program.admin, **terms)
    assert (await move(program.admin, program.affiliate, vip)).status_code == 201

    # when the organisation's events are delivered
    await deliver(app, owner_engine, program.admin.tenant_id)

    # then the affiliate hears of it in words of their terms, and the admins do not
    [told] = (await notifications(program.affiliate))["items"]
    assert (told["kind"], told["title"], told["body"]) == ("group_changed", title, body)
    kinds = [n["kind"] for n in (await notifications(program.admin))["items"]]
    assert "group_changed" not in kinds


async def test_an_affiliate_reads_the_terms_of_their_group(program: Program) -> None:
    affiliate, c = program.affiliate, program.affiliate.client

    # given an affiliate in no group, then they have none
    r = await c.get("/api/v1/groups/mine", headers=affiliate.headers)
    assert (r.status_code, r.json()) == (200, None)

    # when they are moved into one covering a product, then they read its terms
    product = await program.approved(title="Data course")
    vip = await make_group(program.admin, product_ids=[product["id"]], payout_threshold_minor=2_000)
    await move(program.admin, affiliate, vip)
    mine = (await c.get("/api/v1/groups/mine", headers=affiliate.headers)).json()
    assert (mine["name"], mine["commission_bps"], mine["payout_threshold_minor"]) == (
        "VIP partners",
        3_000,
        2_000,
    )
    assert mine["products"] == [{"id": product["id"], "name": "Data course"}]
    assert "members" not in mine

    # and when they leave it, they are told the programme's rules are back
    await move(program.admin, affiliate, None)
    r = await c.get("/api/v1/groups/mine", headers=affiliate.headers)
    assert r.json() is None


@pytest.mark.parametrize("role", ["admin", "vendor"])
async def test_only_affiliates_have_a_group_of_their_own(program: Program, role: str) -> None:
    who = program.admin if role == "admin" else program.vendor
    r = await who.client.get("/api/v1/groups/mine", headers=who.headers)
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("covered", "shown"),
    [
        pytest.param(True, ("percent", 3_000, "VIP partners", 2_970), id="the group's rate"),
        pytest.param(False, ("percent", 2_000, None, 1_980), id="the product's rate"),
    ],
)
async def test_a_member_reads_the_rate_their_sales_earn_wherever_products_are_shown(
    program: Program, covered: bool, shown: tuple[str, int, str | None, int]
) -> None:
    # given a $99.00 product paying 20%, and the affiliate in a 30% group (covering it, or not)
    product = await program.approved(price_minor=9_900, commission={"bps": 2_000})
    other = await program.approved(title="Another course")
    await move(
        program.admin,
        program.affiliate,
        await make_group(program.admin, product_ids=[product["id"] if covered else other["id"]]),
    )
    c, h = program.affiliate.client, program.affiliate.headers

    # when they read it in the marketplace and on its page
    listed = (await c.get("/api/v1/marketplace", headers=h)).json()["items"]
    [in_list] = [p["commission"] for p in listed if p["id"] == product["id"]]
    page = (await c.get(f"/api/v1/products/{product['id']}", headers=h)).json()["commission"]

    # then both show what their sales of it earn, and whose rule that is
    for commission in (in_list, page):
        got = (commission["kind"], commission["bps"], commission["group"])
        assert (*got, commission["per_sale_minor"]) == shown

    # and the vendor still reads the product's own rate
    seen = await program.vendor.client.get(
        f"/api/v1/products/{product['id']}", headers=program.vendor.headers
    )
    assert (seen.json()["commission"]["bps"], seen.json()["commission"]["group"]) == (2_000, None)


async def test_a_member_sorts_and_filters_the_marketplace_by_their_own_rate(
    program: Program,
) -> None:
    # given two $100.00 products, one paying 25% and one 20%, and the affiliate in a group
    # paying 30% on the second
    higher = await program.approved(price_minor=10_000, commission={"bps": 2_500})
    covered = await program.approved(price_minor=10_000, commission={"bps": 2_000})
    group = await make_group(program.admin, product_ids=[covered["id"]])
    await move(program.admin, program.affiliate, group)

    async def order(who: Account, **params: Any) -> list[str]:
        r = await who.client.get(
            "/api/v1/marketplace", params={"sort": "commission", **params}, headers=who.headers
        )
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["items"] if p["id"] in (higher["id"], covered["id"])]

    # then the member finds the covered product first, and alone above $26.00 a sale
    assert await order(program.affiliate) == [covered["id"], higher["id"]]
    assert await order(program.affiliate, min_commission=2_600) == [covered["id"]]

    # and the vendor, by the products' own rates, the other way round
    assert await order(program.vendor) == [higher["id"], covered["id"]]
    assert await order(program.vendor, min_commission=2_600) == []
