"""Payouts are announced: a new batch to the admins, each settled payout to its affiliate."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.events import announced
from tests.factories import Program, earn, set_payout_method


@pytest.mark.parametrize(
    ("settle", "reason"),
    [
        ({"status": "paid"}, None),
        ({"status": "failed", "failure_reason": "Account closed"}, "Account closed"),
    ],
)
async def test_a_batch_and_each_settled_payout_are_announced(
    program: Program,
    make_client: ClientFactory,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    settle: dict[str, str],
    reason: str | None,
) -> None:
    # given a batch paying the affiliate
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="aff@pay.example")
    r = await program.admin.client.post(
        "/api/v1/payout-batches", json={}, headers=program.admin.headers
    )
    assert r.status_code == 201, r.text
    batch = r.json()
    [item] = [i for i in batch["items"] if i["affiliate_id"] == shop.affiliate.id]

    # when its payout is settled
    r = await program.admin.client.post(
        f"/api/v1/payout-batches/items/{item['id']}/settle",
        json=settle,
        headers=program.admin.headers,
    )
    assert r.status_code == 200, r.text

    # then the admins heard of the batch, and the affiliate (and admins) of the payout
    tenant = program.admin.user["tenant"]["id"]
    [created] = announced(owner_engine, tenant, "payout.batch_created")
    assert created["topics"] == [f"admins:{tenant}"]
    assert (created["data"]["batch_id"], created["data"]["items"]) == (
        batch["id"],
        len(batch["items"]),
    )
    [settled] = announced(owner_engine, tenant, f"payout.{settle['status']}")
    assert settled["topics"] == [f"user:{shop.affiliate.id}", f"admins:{tenant}"]
    assert (settled["data"]["amount_minor"], settled["data"]["reason"]) == (1_600, reason)
