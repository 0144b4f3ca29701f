"""Conversions through the API: attribution, the split on the ledger, idempotency, refunds,
maturing, coupons, API-key auth and isolation."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.commissions import jobs
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.ids import uuid7
from tests.commissions.support import api_key, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, bearer, new_program, signup_affiliate
from tests.tracking.support import browser_visit, tenant_of


def _later(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


async def _mature(db_urls: DatabaseUrls, days: float) -> int:
    db = Database(db_urls.app)
    try:
        return await jobs.mature(db, now=_later(days))
    finally:
        await db.dispose()


async def test_a_sale_through_a_click_pays_affiliate_upline_and_platform_on_the_ledger(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    click = await shop.click(make_client())
    r = await shop.report(click_id=click, amount_minor=9_999, customer_ref="cust-7")
    assert r.status_code == 201, r.text
    sale = r.json()
    # 20% of 9,999 = 1,999 (floored); 10% fee = 199; 10% override = 199; affiliate 1,601
    assert (sale["attribution"], sale["state"], sale["pool_minor"]) == ("click", "pending", 1_999)
    shares = {(s["kind"], s["level"]): s for s in sale["shares"]}
    assert shares[("affiliate", 0)]["amount_minor"] == 1_601
    assert shares[("affiliate", 0)]["beneficiary_id"] == shop.affiliate.id
    assert shares[("override", 1)]["amount_minor"] == 199
    assert shares[("override", 1)]["beneficiary_id"] == shop.upline.id
    assert shares[("platform_fee", 0)]["amount_minor"] == 199
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 1_601,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }
    assert await shop.balances(shop.upline) == {
        "held": 0,
        "pending": 199,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }

    with owner_engine.connect() as conn:  # one balanced transaction, its split in its metadata
        postings = conn.execute(
            text(
                "SELECT a.code, p.amount FROM ledger_postings p JOIN ledger_accounts a"
                " ON a.id = p.account_id WHERE p.transaction_id = :t ORDER BY p.amount"
            ),
            {"t": sale["ledger_transaction_id"]},
        ).all()
        meta = conn.execute(
            text("SELECT metadata FROM ledger_transactions WHERE id = :t"),
            {"t": sale["ledger_transaction_id"]},
        ).scalar_one()
    assert sum(amount for _, amount in postings) == 0
    assert dict(postings) == {
        f"affiliate:{shop.affiliate.id}:pending:USD": -1_601,
        f"affiliate:{shop.upline.id}:pending:USD": -199,
        "platform:fees:USD": -199,
        f"vendor:{program.vendor.id}:receivable:USD": 1_999,
    }
    assert meta["rule"] == "split-v1"
    assert (meta["sale_minor"], meta["commission"]["bps"], meta["fee_bps"]) == (9_999, 2_000, 1_000)
    assert meta["override_bps"] == [1_000]

    listed = await shop.affiliate.client.get("/api/v1/commissions", headers=shop.affiliate.headers)
    [mine] = listed.json()["items"]
    assert (mine["kind"], mine["amount_minor"], mine["sale_minor"]) == ("affiliate", 1_601, 9_999)
    assert mine["product_title"] == shop.product["title"]
    theirs = await shop.upline.client.get("/api/v1/commissions", headers=shop.upline.headers)
    assert [(c["kind"], c["level"]) for c in theirs.json()["items"]] == [("override", 1)]


async def test_a_retried_order_returns_the_original_and_other_content_is_refused(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    click = await shop.click(make_client())
    results = await asyncio.gather(*(shop.report(click_id=click) for _ in range(8)))
    assert sorted(r.status_code for r in results) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in results}) == 1
    with owner_engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM ledger_transactions WHERE idempotency_key = :k"),
            {"k": f"conversion:{results[0].json()['id']}"},
        ).scalar_one()
    assert count == 1
    other = await shop.report(click_id=click, amount_minor=10_001)
    assert other.status_code == 409
    body = other.json()
    assert body["stored_digest"] != body["given_digest"]
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 1_600,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }


async def test_sales_that_cannot_be_attributed_are_kept_and_earn_nothing(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    cases = {
        "no_click": {"product_id": shop.product["id"]},
        "unknown_click": {"click_id": str(uuid.uuid4())},
    }
    expired = await shop.click(make_client())
    with owner_engine.begin() as conn:  # the owner may move a click back in time
        conn.execute(text("ALTER TABLE clicks DISABLE TRIGGER append_only"))
        conn.execute(
            text("UPDATE clicks SET created_at = now() - interval '31 days' WHERE id = :i"),
            {"i": expired},
        )
        conn.execute(text("ALTER TABLE clicks ENABLE TRIGGER append_only"))
    cases["expired_click"] = {"click_id": expired}
    cases["unknown_coupon"] = {"coupon": "NOSUCH"}
    for n, (reason, body) in enumerate(cases.items()):
        r = await shop.report(order_id=f"U-{n}", **body)
        assert r.status_code == 201, r.text
        sale = r.json()
        assert (sale["attribution"], sale["unattributed_reason"]) == ("none", reason)
        assert (sale["state"], sale["pool_minor"], sale["shares"]) == ("unattributed", 0, [])
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }

    # another vendor's click is not this vendor's sale
    other_vendor = await new_program(make_client)  # (different tenant: its clicks are unknown)
    other_key = await api_key(other_vendor.vendor)
    r = await shop.report(other_key, order_id="X-1", click_id=await shop.click(make_client()))
    assert r.json()["unattributed_reason"] == "unknown_click"


async def test_bad_sales_are_refused_with_the_field_at_fault(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    click = await shop.click(make_client())
    for body, field in [
        ({"currency": "EUR", "click_id": click}, "currency"),
        ({"currency": "XXQ"}, "currency"),
        ({"amount_minor": 0}, "amount_minor"),
        ({"amount_minor": 10**13}, "amount_minor"),
        ({"order_id": ""}, "order_id"),
        ({"order_id": "A\x00B"}, "order_id"),
        ({"click_id": "not-a-uuid"}, "click_id"),
        ({"product_id": str(uuid.uuid4())}, "product_id"),
        ({"coupon": "x"}, "coupon"),
        ({"surprise": 1}, "surprise"),
    ]:
        r = await shop.report(**body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == [field], r.text


async def test_api_keys_must_be_genuine_live_and_for_conversions(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    assert (await shop.report("bnx_live_" + "x" * 40)).status_code == 401
    wrong_prefix = "bnx_test_" + shop.key.removeprefix("bnx_live_")
    assert (await shop.report(wrong_prefix)).status_code == 401
    reader = await api_key(program.admin, scope="ledger:read")
    assert (await shop.report(reader)).status_code == 403
    # an affiliate (in the app) cannot report sales, and cannot make a conversions key
    r = await shop.affiliate.client.post(
        "/api/v1/conversions",
        json={"order_id": "A-1", "amount_minor": 1, "currency": "USD"},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 403
    r = await shop.affiliate.client.post(
        "/api/v1/api-keys",
        json={"name": "x", "scope": "conversions:write"},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 403
    r = await program.vendor.client.get("/api/v1/api-keys", headers=program.vendor.headers)
    [key] = r.json()
    await program.vendor.client.delete(
        f"/api/v1/api-keys/{key['id']}", headers=program.vendor.headers
    )
    assert (await shop.report()).status_code == 401  # revoked


async def test_a_test_key_checks_and_splits_but_stores_nothing(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    test_key = await api_key(program.vendor, mode="test")
    click = await shop.click(make_client())
    r = await shop.report(test_key, click_id=click)
    assert r.status_code == 200, r.text
    assert (r.json()["test"], r.json()["pool_minor"], r.json()["attribution"]) == (
        True,
        2_000,
        "click",
    )
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM conversions WHERE vendor_id = :v"), {"v": program.vendor.id}
        ).scalar_one()
    assert stored == 0
    assert (await shop.report(click_id=click)).status_code == 201  # the live key then records it


async def test_refunds_inside_the_hold_reverse_and_after_it_claw_back(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client, refund_hold_days=14)
    first = (await shop.report(click_id=await shop.click(make_client()))).json()
    second = (await shop.report(order_id="A-2", click_id=await shop.click(make_client()))).json()
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 3_200,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }

    # inside the hold: a partial refund cuts every share in proportion, then the rest
    r = await shop.refund(first["id"], amount_minor=2_500, reason="one seat returned")
    assert (r.status_code, r.json()["clawback"]) == (201, False)
    assert (await shop.refund(first["id"], amount_minor=2_500)).status_code == 200
    assert (await shop.refund(first["id"], amount_minor=2_000)).status_code == 409
    too_much = await shop.refund(first["id"], refund_id="R-2", amount_minor=7_501)
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "amount_minor"
    # 1,600 * 7,500 / 10,000 = 1,200 kept; upline 200 -> 150
    assert (await shop.balances(shop.affiliate))["pending"] == 1_200 + 1_600
    assert (await shop.balances(shop.upline))["pending"] == 150 + 200
    r = await shop.refund(first["id"], refund_id="R-2", amount_minor=7_500)
    assert r.status_code == 201
    got = await program.vendor.client.get(
        f"/api/v1/conversions/{first['id']}", headers=program.vendor.headers
    )
    assert (got.json()["state"], got.json()["refunded_minor"]) == ("refunded", 10_000)
    assert {s["state"] for s in got.json()["shares"]} == {"reversed"}

    # the hold ends: what is left matures; a refund then claws back from available
    assert await _mature(db_urls, 13) == 0
    assert await _mature(db_urls, 15) >= 1
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 1_600,
        "in_payment": 0,
        "paid": 0,
    }
    assert await shop.balances(shop.upline) == {
        "held": 0,
        "pending": 0,
        "available": 200,
        "in_payment": 0,
        "paid": 0,
    }
    r = await shop.refund(second["id"], refund_id="R-9", amount_minor=10_000)
    assert (r.status_code, r.json()["clawback"]) == (201, True)
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }


async def test_coupons_attribute_sales_without_a_click(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    r = await program.vendor.client.post(
        "/api/v1/coupons",
        json={
            "code": "spring25",
            "affiliate_code": shop.affiliate.user["referral_code"].lower(),
            "product_id": shop.product["id"],
        },
        headers=program.vendor.headers,
    )
    assert r.status_code == 201, r.text
    coupon = r.json()
    assert coupon["code"] == "SPRING25"
    again = await program.admin.client.post(
        "/api/v1/coupons",
        json={
            "code": "Spring25",
            "affiliate_code": shop.upline.user["referral_code"],
            "product_id": shop.product["id"],
        },
        headers=program.admin.headers,
    )
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "code")
    sale = (await shop.report(coupon="spring25")).json()
    assert (sale["attribution"], sale["affiliate_id"]) == ("coupon", shop.affiliate.id)
    mine = await shop.affiliate.client.get("/api/v1/coupons", headers=shop.affiliate.headers)
    assert [c["code"] for c in mine.json()] == ["SPRING25"]
    r = await shop.upline.client.get("/api/v1/coupons", headers=shop.upline.headers)
    assert r.json() == []
    # an affiliate cannot revoke it; the vendor can, and it then attributes nothing
    r = await shop.affiliate.client.delete(
        f"/api/v1/coupons/{coupon['id']}", headers=shop.affiliate.headers
    )
    assert r.status_code == 404
    r = await program.vendor.client.delete(
        f"/api/v1/coupons/{coupon['id']}", headers=program.vendor.headers
    )
    assert r.status_code == 204
    later = (await shop.report(order_id="A-2", coupon="SPRING25")).json()
    assert later["unattributed_reason"] == "unknown_coupon"


async def test_first_click_attribution_credits_the_visitors_first_affiliate(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, attribution="first_click")).status_code == 200
    other = await signup_affiliate(make_client(), program.admin.slug)
    r = await other.client.post(
        "/api/v1/links", json={"product_id": shop.product["id"]}, headers=other.headers
    )
    visitor = make_client()
    await shop.click(visitor)  # the shop's affiliate first
    last = await shop.click(visitor, r.json())  # then the other one
    sale = (await shop.report(click_id=last)).json()
    assert sale["affiliate_id"] == shop.affiliate.id
    assert (await settings(program.admin, attribution="last_click")).status_code == 200
    sale = (await shop.report(order_id="A-2", click_id=last)).json()
    assert sale["affiliate_id"] == other.id


async def test_commission_settings_must_leave_the_affiliate_a_share(program: Program) -> None:
    r = await settings(program.admin, platform_fee_bps=5_000, override_bps=[3_000, 2_000, 1_000])
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "override_bps")
    r = await settings(program.admin, override_bps=[1, 2, 3, 4])
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "override_bps")
    r = await settings(program.admin, attribution="sometimes")
    assert r.status_code == 422
    r = await settings(program.admin, platform_fee_bps=500, override_bps=[1_000, 500, 250])
    assert r.status_code == 200
    assert (r.json()["platform_fee_bps"], r.json()["override_bps"]) == (500, [1_000, 500, 250])


async def test_three_levels_of_uplines_each_get_their_rate(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client, fee_bps=0, levels=[1_000, 500, 250])
    top = await signup_affiliate(make_client(), program.admin.slug)
    middle = await signup_affiliate(
        make_client(), program.admin.slug, referral_code=top.user["referral_code"]
    )
    bottom = await signup_affiliate(
        make_client(), program.admin.slug, referral_code=middle.user["referral_code"]
    )
    seller = await signup_affiliate(
        make_client(), program.admin.slug, referral_code=bottom.user["referral_code"]
    )
    r = await seller.client.post(
        "/api/v1/links", json={"product_id": shop.product["id"]}, headers=seller.headers
    )
    click = await shop.click(make_client(), r.json())
    sale = (await shop.report(click_id=click, amount_minor=12_345)).json()
    # pool 2,469; levels 246, 123, 61 (the fourth upline up gets nothing); seller 2,039
    by_who = {s["beneficiary_id"]: s["amount_minor"] for s in sale["shares"]}
    assert by_who == {seller.id: 2_039, bottom.id: 246, middle.id: 123, top.id: 61}
    assert sum(by_who.values()) == sale["pool_minor"] == 2_469


async def test_no_one_sees_or_refunds_another_tenants_or_vendors_sales(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    sale = (await shop.report(click_id=await shop.click(make_client()))).json()
    stranger = await new_program(make_client)
    second_vendor_key = await api_key(stranger.vendor)
    for who in (stranger.vendor, stranger.admin):
        r = await who.client.get(f"/api/v1/conversions/{sale['id']}", headers=who.headers)
        assert r.status_code == 404
        assert (await who.client.get("/api/v1/conversions", headers=who.headers)).json()[
            "items"
        ] == []
        assert (await who.client.get("/api/v1/commissions", headers=who.headers)).json()[
            "items"
        ] == []
    r = await stranger.vendor.client.post(
        f"/api/v1/conversions/{sale['id']}/refunds",
        json={"refund_id": "R-1", "amount_minor": 1},
        headers=bearer(second_vendor_key),
    )
    assert r.status_code == 404
    # the affiliate of the sale cannot see the vendor's conversion record
    r = await shop.affiliate.client.get(
        f"/api/v1/conversions/{sale['id']}", headers=shop.affiliate.headers
    )
    assert r.status_code == 404
    # the tenant's admin sees it and everyone's commissions
    admin = program.admin
    r = await admin.client.get("/api/v1/commissions", headers=admin.headers)
    assert len(r.json()["items"]) == 2


async def test_a_sale_reported_before_its_click_reaches_the_database_waits_for_it(
    program: Program, make_client: ClientFactory, app: FastAPI, owner_engine: Engine
) -> None:
    """A redirect is answered once its click is in the recorder's write-ahead file; a sale the
    vendor reports in the instant before the click reaches PostgreSQL still finds it. A click
    id that is not a young UUIDv7 is not waited for."""
    shop = await open_shop(program, make_client)
    tenant_id = tenant_of(owner_engine, shop.link)
    click_id = uuid7()

    async def click_arrives_late() -> None:
        await asyncio.sleep(0.4)
        visit = dataclasses.replace(browser_visit(tenant_id, shop.link["id"], 50), id=click_id)
        await app.state.clicks.record(visit)

    r, _ = await asyncio.gather(
        shop.report(click_id=str(click_id), order_id="EARLY-1"), click_arrives_late()
    )
    assert r.status_code == 201, r.text
    assert (r.json()["attribution"], r.json()["affiliate_id"]) == ("click", shop.affiliate.id)

    started = asyncio.get_running_loop().time()
    r = await shop.report(click_id=str(uuid.uuid4()), order_id="EARLY-2")
    assert r.json()["unattributed_reason"] == "unknown_click"
    assert asyncio.get_running_loop().time() - started < 1
