"""Fraud holds: each rule holds a sale with what it found (in the admin's words) and a reason
the affiliate sees; affiliates appeal, admins approve or reject, and the money follows on the
ledger."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.commissions.support import Shop, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Account, Program, new_program


async def _holds(who: Account, query: str = "") -> list[dict[str, Any]]:
    r = await who.client.get(f"/api/v1/fraud-holds{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def _decide(who: Account, hold_id: str, decision: str, note: str = "") -> httpx.Response:
    return await who.client.post(
        f"/api/v1/fraud-holds/{hold_id}/decision",
        json={"decision": decision, "note": note},
        headers=who.headers,
    )


async def _held_sale(shop: Shop, make_client: ClientFactory, **body: Any) -> dict[str, Any]:
    r = await shop.report(click_id=await shop.click(make_client()), **body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_sale_too_soon_after_its_click_is_held_appealed_and_approved(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_min_click_seconds=10)).status_code == 200
    sale = await _held_sale(shop, make_client)
    assert (sale["state"], sale["hold_reasons"]) == ("held", ["too_fast"])
    assert {s["state"] for s in sale["shares"]} == {"held"}
    held = {"held": 1_600, "pending": 0, "available": 0, "in_payment": 0, "paid": 0}
    assert await shop.balances(shop.affiliate) == held
    assert (await shop.balances(shop.upline))["held"] == 200

    [mine] = await _holds(shop.affiliate)
    assert mine["reasons"] == ["too_fast"]
    assert "too soon after the click" in mine["explained"][0]
    assert (mine["order_id"], mine["customer_ref"]) == (sale["order_id"], None)
    [seen] = await _holds(program.admin)
    assert re.fullmatch(
        r"The sale came [\d.]+ seconds? after its click; your rule asks for at least 10 seconds\.",
        seen["explained"][0],
    ), seen["explained"]
    [row] = (
        await shop.affiliate.client.get("/api/v1/commissions", headers=shop.affiliate.headers)
    ).json()["items"]
    assert (row["state"], row["hold_id"], row["hold_status"]) == ("held", mine["id"], "open")

    appeal = f"/api/v1/fraud-holds/{mine['id']}/appeal"
    r = await shop.upline.client.post(
        appeal, json={"message": "not mine"}, headers=shop.upline.headers
    )
    assert r.status_code == 404  # the upline's override is held too, but the hold is not theirs
    r = await shop.affiliate.client.post(
        appeal,
        json={"message": "I emailed my list; they buy fast."},
        headers=shop.affiliate.headers,
    )
    assert (r.status_code, r.json()["appeal"]) == (200, "I emailed my list; they buy fast.")
    again = await shop.affiliate.client.post(
        appeal, json={"message": "again"}, headers=shop.affiliate.headers
    )
    assert again.status_code == 409
    assert (
        await shop.affiliate.client.post(
            appeal, json={"message": ""}, headers=shop.affiliate.headers
        )
    ).status_code == 422

    assert (await _decide(program.vendor, mine["id"], "approve")).status_code == 403
    assert (await _decide(shop.affiliate, mine["id"], "approve")).status_code == 403
    [queued] = await _holds(program.admin, "?status=open")
    assert queued["appeal"] == "I emailed my list; they buy fast."
    r = await _decide(program.admin, mine["id"], "approve", "List traffic checked.")
    assert r.status_code == 200, r.text
    assert [e["kind"] for e in r.json()["events"]] == ["held", "appealed", "approved"]
    assert (await _decide(program.admin, mine["id"], "reject")).status_code == 409
    assert await shop.balances(shop.affiliate) == {**held, "held": 0, "pending": 1_600}
    assert await _holds(program.admin, "?status=open") == []
    got = await program.vendor.client.get(
        f"/api/v1/conversions/{sale['id']}", headers=program.vendor.headers
    )
    assert got.json()["state"] == "pending"


async def test_a_rejected_hold_gives_the_whole_commission_back_to_the_vendor(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    sale = await _held_sale(shop, make_client, customer_ref=shop.affiliate.user["email"].upper())
    assert sale["hold_reasons"] == ["self_referral"]
    [hold] = await _holds(program.admin)
    assert hold["explained"] == ["The customer reference is the affiliate's own email address."]
    assert hold["customer_ref"] == shop.affiliate.user["email"].upper()
    [mine] = await _holds(shop.affiliate)
    assert mine["explained"] == ["The buyer looks like you: your own account, email or address."]
    assert mine["customer_ref"] is None  # the buyer's details are the admin's to read
    r = await _decide(program.admin, hold["id"], "reject", "Bought with their own card.")
    assert (r.status_code, r.json()["status"], r.json()["note"]) == (
        200,
        "rejected",
        "Bought with their own card.",
    )
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 0,
        "in_payment": 0,
        "paid": 0,
    }
    assert (await shop.balances(shop.upline))["held"] == 0
    with owner_engine.connect() as conn:
        left = conn.execute(
            text(
                "SELECT a.code, sum(p.amount) FROM ledger_postings p JOIN ledger_accounts a"
                " ON a.id = p.account_id WHERE a.tenant_id = :t GROUP BY a.code"
            ),
            {"t": program.admin.user["tenant"]["id"]},
        ).all()
    assert {code: total for code, total in left if total} == {}  # every account back at zero
    got = (
        await program.vendor.client.get(
            f"/api/v1/conversions/{sale['id']}", headers=program.vendor.headers
        )
    ).json()
    assert got["state"] == "rejected"
    assert {s["state"] for s in got["shares"]} == {"rejected"}
    # a refund afterwards is recorded, and moves no money (there is none left to move)
    r = await shop.refund(sale["id"], amount_minor=10_000)
    assert (r.status_code, r.json()["ledger_transaction_id"]) == (201, None)


async def test_a_buyer_on_an_address_the_affiliate_signed_in_from_is_self_referral(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    r = await shop.affiliate.client.post("/api/v1/auth/refresh")  # signs in from its address
    assert r.status_code == 200, r.text
    own = await shop.report(order_id="S-1", click_id=await shop.click(shop.affiliate.client))
    assert own.json()["hold_reasons"] == ["self_referral"]
    [hold] = await _holds(program.admin)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert hold["explained"] == [
        f"The buyer's address matched one the affiliate signed in from on {today}. "
        "A test sale made from the affiliate's own machine is held this way."
    ]
    other = await shop.report(order_id="S-2", click_id=await shop.click(make_client()))
    assert other.json()["state"] == "pending"


async def test_too_many_sales_from_one_address_are_held(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_max_sales_per_address=2)).status_code == 200
    buyer = make_client()
    states = []
    for n in range(3):
        r = await shop.report(order_id=f"M-{n}", click_id=await shop.click(buyer))
        states.append((r.json()["state"], r.json()["hold_reasons"]))
    assert states == [("pending", []), ("pending", []), ("held", ["shared_address"])]
    [hold] = await _holds(program.admin)
    assert (hold["order_id"], hold["explained"]) == (
        "M-2",
        [
            "3 sales came from the buyer's address within 24 hours, this one included; "
            "your rule allows 2."
        ],
    )


async def test_a_coupon_sale_without_a_click_is_held_when_the_rule_is_on(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_hold_coupon_without_click=True)).status_code == 200
    r = await program.vendor.client.post(
        "/api/v1/coupons",
        json={
            "code": "PODCAST",
            "affiliate_code": shop.affiliate.user["referral_code"],
            "product_id": shop.product["id"],
        },
        headers=program.vendor.headers,
    )
    assert r.status_code == 201, r.text
    assert (await shop.report(order_id="C-1", coupon="podcast")).json()["hold_reasons"] == [
        "no_click"
    ]
    [hold] = await _holds(program.admin)
    assert re.fullmatch(
        r"A coupon sale, and the affiliate has no recorded click on this product "
        r"in the last \d+ days?\.",
        hold["explained"][0],
    ), hold["explained"]
    await shop.click(make_client())  # once the affiliate has sent a visitor, coupons pass
    assert (await shop.report(order_id="C-2", coupon="podcast")).json()["state"] == "pending"


async def test_no_one_outside_the_tenant_sees_or_decides_a_hold(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    await _held_sale(shop, make_client, customer_ref=shop.affiliate.id)
    [hold] = await _holds(program.admin)
    assert hold["explained"] == ["The customer reference is the affiliate's own account id."]
    stranger = await new_program(make_client)
    assert await _holds(stranger.admin) == []
    assert (await _decide(stranger.admin, hold["id"], "approve")).status_code == 404
    r = await stranger.affiliate.client.post(
        f"/api/v1/fraud-holds/{hold['id']}/appeal",
        json={"message": "mine?"},
        headers=stranger.affiliate.headers,
    )
    assert r.status_code == 404
    assert await _holds(shop.upline) == []  # another affiliate of the same tenant sees none
