"""A commission's life is announced: to its beneficiary at each step, to the admins when the
fraud queue moves (`core.outbox`)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from bitnexus.commissions import jobs
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.events import announced
from tests.factories import Program, earn


async def test_a_sale_is_announced_to_its_vendor_the_admins_and_each_earner(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    # given an affiliate with an upline, selling a product that pays 20%
    shop = await open_shop(program, make_client)
    tenant = program.admin.user["tenant"]["id"]

    # when a sale of 10,000 is reported through their link
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text

    # then the vendor and the admins hear of the sale, each earner of their commission
    [created] = announced(owner_engine, tenant, "conversion.created")
    assert sorted(created["topics"]) == sorted([f"user:{program.vendor.id}", f"admins:{tenant}"])
    assert created["data"]["conversion_id"] == sale.json()["id"]
    assert (created["data"]["amount_minor"], created["data"]["state"]) == (10_000, "pending")
    earned = announced(owner_engine, tenant, "commission.created")
    assert sorted(
        (e["topics"], e["data"]["kind"], e["data"]["amount_minor"], e["data"]["state"])
        for e in earned
    ) == sorted(
        [
            ([f"user:{shop.affiliate.id}"], "affiliate", 1_600, "pending"),
            ([f"user:{shop.upline.id}"], "override", 200, "pending"),
        ]
    )
    assert {e["data"]["conversion_id"] for e in earned} == {sale.json()["id"]}


async def test_a_hold_is_announced_to_the_affiliate_and_the_admins_at_each_step(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    # given a sale held for coming too soon after its click
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_min_click_seconds=10)).status_code == 200
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.json()["state"] == "held", sale.text
    tenant = program.admin.user["tenant"]["id"]
    [hold] = (
        await program.admin.client.get("/api/v1/fraud-holds", headers=program.admin.headers)
    ).json()["items"]

    # when the affiliate appeals and an admin approves
    r = await shop.affiliate.client.post(
        f"/api/v1/fraud-holds/{hold['id']}/appeal",
        json={"message": "My list buys fast."},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 200, r.text
    r = await program.admin.client.post(
        f"/api/v1/fraud-holds/{hold['id']}/decision",
        json={"decision": "approve", "note": "Checked."},
        headers=program.admin.headers,
    )
    assert r.status_code == 200, r.text

    # then each step was announced, the appeal to the admins alone
    admins, affiliate = f"admins:{tenant}", f"user:{shop.affiliate.id}"
    steps = announced(
        owner_engine, tenant, "commission.held", "hold.appealed", "commission.released"
    )
    assert [(e["type"], sorted(e["topics"])) for e in steps] == [
        ("commission.held", sorted([admins, affiliate])),
        ("hold.appealed", [admins]),
        ("commission.released", sorted([admins, affiliate])),
    ]
    assert steps[0]["data"]["reasons"] == ["too_fast"]
    assert steps[1]["data"]["message"] == "My list buys fast."
    assert {e["data"]["conversion_id"] for e in steps} == {sale.json()["id"]}


@pytest.mark.parametrize(
    ("matured_first", "kind"),
    [(False, "commission.reversed"), (True, "commission.clawed_back")],
)
async def test_maturing_and_refunds_are_announced_to_each_beneficiary(
    program: Program,
    make_client: ClientFactory,
    owner_engine: Engine,
    db_urls: DatabaseUrls,
    matured_first: bool,
    kind: str,
) -> None:
    # given a sale paying the affiliate 1,600 and their upline 200
    shop = await open_shop(program, make_client)
    sale = (await shop.report(click_id=await shop.click(make_client()))).json()
    tenant = program.admin.user["tenant"]["id"]

    # when it matures (or not yet) and is then half refunded
    if matured_first:
        db = Database(db_urls.app)
        try:
            assert await jobs.mature(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31)) >= 1
        finally:
            await db.dispose()
    r = await shop.refund(sale["id"], amount_minor=5_000, reason="Returned")
    assert r.status_code == 201, r.text

    # then each beneficiary heard of the money made available, and of the cut
    matured = announced(owner_engine, tenant, "commission.matured")
    assert sorted((e["topics"][0], e["data"]["amount_minor"]) for e in matured) == (
        sorted([(f"user:{shop.affiliate.id}", 1_600), (f"user:{shop.upline.id}", 200)])
        if matured_first
        else []
    )
    cuts = announced(owner_engine, tenant, kind)
    assert sorted(
        (e["topics"][0], e["data"]["amount_minor"], e["data"]["reason"]) for e in cuts
    ) == sorted(
        [
            (f"user:{shop.affiliate.id}", 800, "Returned"),
            (f"user:{shop.upline.id}", 100, "Returned"),
        ]
    )


async def test_a_tier_change_is_announced_to_the_affiliate(
    program: Program, make_client: ClientFactory, owner_engine: Engine, db_urls: DatabaseUrls
) -> None:
    # given a ladder whose first step is one matured sale away
    shop = await open_shop(program, make_client)
    r = await settings(program.admin, tier_thresholds=[1_000, 6_000, 100_000])
    assert r.status_code == 200, r.text

    # when a sale matures
    await earn(shop, make_client, db_urls, 1)

    # then the affiliate hears of the new tier
    [changed] = [
        e
        for e in announced(owner_engine, program.admin.user["tenant"]["id"], "tier.changed")
        if e["topics"] == [f"user:{shop.affiliate.id}"]
    ]
    assert (changed["data"]["previous"], changed["data"]["tier"]) == ("bronze", "silver")
    assert changed["data"]["earnings_minor"] == 1_600
