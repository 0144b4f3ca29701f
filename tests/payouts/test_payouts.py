"""Payouts: methods, batches from available balances over the threshold, the CSV, paid and
failed items, the ledger moves, one batch at a time, isolation."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any

import httpx

from bitnexus.commissions import jobs
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.money import as_decimal
from bitnexus.payouts.schemas import iban_ok
from tests.accounts.factories import Account
from tests.catalog.support import Program, new_program
from tests.commissions.support import Shop, open_shop, settings
from tests.conftest import ClientFactory

IBAN = "DE89 3704 0044 0532 0130 00"


async def _method(who: Account, **details: Any) -> httpx.Response:
    return await who.client.put(
        "/api/v1/payouts/method", json={"details": details}, headers=who.headers
    )


async def _earned(
    shop: Shop, make_client: ClientFactory, db_urls: DatabaseUrls, sales: int, batch: str = "P"
) -> None:
    """`sales` matured sales: the affiliate has 1,600 available for each, the upline 200."""
    for n in range(sales):
        r = await shop.report(order_id=f"{batch}-{n}", click_id=await shop.click(make_client()))
        assert r.status_code == 201, r.text
    db = Database(db_urls.app)
    try:
        await jobs.mature(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    finally:
        await db.dispose()


async def _batch(admin: Account, **body: Any) -> httpx.Response:
    return await admin.client.post("/api/v1/payout-batches", json=body, headers=admin.headers)


def test_ibans_are_checked_by_their_check_digits() -> None:
    assert iban_ok("DE89370400440532013000")
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("DE89370400440532013001")
    assert not iban_ok("DE8937040044")
    assert as_decimal(4_990, "USD") == "49.90"
    assert as_decimal(5, "USD") == "0.05"
    assert as_decimal(-1_234, "EUR") == "-12.34"
    assert as_decimal(500, "JPY") == "500"
    assert as_decimal(1_234, "KWD") == "1.234"


async def test_affiliates_set_a_payout_method_and_bad_details_name_the_field(
    program: Program,
) -> None:
    a = program.affiliate
    assert (await a.client.get("/api/v1/payouts/method", headers=a.headers)).json() is None
    for details, field in [
        ({"method": "paypal", "email": "not-an-email"}, "details.paypal.email"),
        (
            {"method": "bank_transfer", "account_holder": "A B", "iban": "DE00123"},
            "details.bank_transfer.iban",
        ),
        ({"method": "carrier_pigeon"}, "details"),
    ]:
        r = await _method(a, **details)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].startswith(field), r.text
    r = await _method(
        a, method="bank_transfer", account_holder="Aff Iliate", iban=IBAN, bic="cobadeffxxx"
    )
    assert r.status_code == 200, r.text
    assert r.json()["account"] == "Aff Iliate, IBAN ···· 3000"
    r = await _method(a, method="paypal", email="aff@pay.example")
    assert (r.json()["method"], r.json()["account"]) == ("paypal", "aff@pay.example")
    assert (await _method(program.vendor, method="paypal", email="v@x.example")).status_code == 403


async def test_a_batch_pays_available_balances_over_the_threshold(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=3_000)).status_code == 200
    await _earned(shop, make_client, db_urls, 2)  # affiliate 3,200; upline 400 (below)
    assert (await _batch(program.admin)).status_code == 409  # nobody has a payout method yet
    await _method(shop.affiliate, method="paypal", email="seller@pay.example")
    await _method(shop.upline, method="wise", email="upline@pay.example")

    preview = (
        await program.admin.client.get(
            "/api/v1/payout-batches/preview", headers=program.admin.headers
        )
    ).json()
    by_id = {c["affiliate_id"]: c for c in preview["candidates"]}
    assert by_id[shop.affiliate.id]["skipped"] is None
    assert by_id[shop.upline.id]["skipped"] == "below_threshold"
    assert preview["total_minor"] == 3_200

    r = await _batch(program.admin)
    assert r.status_code == 201, r.text
    batch = r.json()
    [item] = batch["items"]
    assert (item["amount_minor"], item["method"], item["status"]) == (3_200, "paypal", "pending")
    assert item["reference"] == f"BNX-{batch['number']}-0001"
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 0,
        "in_payment": 3_200,
        "paid": 0,
    }
    assert (await _batch(program.admin)).status_code == 409  # one open batch at a time

    csv_r = await program.admin.client.get(
        f"/api/v1/payout-batches/{batch['id']}/export.csv", headers=program.admin.headers
    )
    assert csv_r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.text)))
    assert rows == [
        {
            "reference": item["reference"],
            "affiliate": "Aff Iliate",
            "email": shop.affiliate.user["email"],
            "method": "paypal",
            "recipient": "seller@pay.example",
            "account_holder": "",
            "iban": "",
            "bic": "",
            "amount": "32.00",
            "currency": "USD",
            "note": f"Commissions, payout {item['reference']}",
        }
    ]

    settle = f"/api/v1/payout-batches/items/{item['id']}/settle"
    r = await program.admin.client.post(
        settle, json={"status": "paid"}, headers=program.admin.headers
    )
    assert (r.status_code, r.json()["status"]) == (200, "paid")
    again = await program.admin.client.post(
        settle, json={"status": "failed", "failure_reason": "x"}, headers=program.admin.headers
    )
    assert again.status_code == 409
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 0,
        "in_payment": 0,
        "paid": 3_200,
    }
    got = (
        await program.admin.client.get(
            f"/api/v1/payout-batches/{batch['id']}", headers=program.admin.headers
        )
    ).json()
    assert (got["status"], got["paid_minor"]) == ("closed", 3_200)
    mine = (
        await shop.affiliate.client.get("/api/v1/payouts", headers=shop.affiliate.headers)
    ).json()
    assert [(p["reference"], p["status"]) for p in mine] == [(item["reference"], "paid")]
    # paid items leave the export
    csv_r = await program.admin.client.get(
        f"/api/v1/payout-batches/{batch['id']}/export.csv", headers=program.admin.headers
    )
    assert list(csv.DictReader(io.StringIO(csv_r.text))) == []


async def test_a_failed_payout_returns_the_money_to_available(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await _earned(shop, make_client, db_urls, 1)
    await _method(shop.affiliate, method="bank_transfer", account_holder="=HYPERLINK(1)", iban=IBAN)
    await _method(shop.upline, method="paypal", email="up@pay.example")
    batch = (await _batch(program.admin)).json()
    assert len(batch["items"]) == 2
    csv_r = await program.admin.client.get(
        f"/api/v1/payout-batches/{batch['id']}/export.csv", headers=program.admin.headers
    )
    assert "'=HYPERLINK(1)" in csv_r.text  # no formula reaches a spreadsheet
    item = next(i for i in batch["items"] if i["affiliate_id"] == shop.affiliate.id)
    settle = f"/api/v1/payout-batches/items/{item['id']}/settle"
    r = await program.admin.client.post(
        settle, json={"status": "failed"}, headers=program.admin.headers
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "failure_reason")
    r = await program.admin.client.post(
        settle,
        json={"status": "failed", "failure_reason": "Account closed"},
        headers=program.admin.headers,
    )
    assert (r.status_code, r.json()["failure_reason"]) == (200, "Account closed")
    assert await shop.balances(shop.affiliate) == {
        "held": 0,
        "pending": 0,
        "available": 1_600,
        "in_payment": 0,
        "paid": 0,
    }
    got = (
        await program.admin.client.get(
            f"/api/v1/payout-batches/{batch['id']}", headers=program.admin.headers
        )
    ).json()
    assert got["status"] == "open"  # the upline's payout is still pending


async def test_concurrent_batches_pay_each_balance_once(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await _earned(shop, make_client, db_urls, 1)
    await _method(shop.affiliate, method="paypal", email="s@pay.example")
    results = await asyncio.gather(*(_batch(program.admin) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    assert (await shop.balances(shop.affiliate))["in_payment"] == 1_600


async def test_payouts_are_for_admins_and_stay_in_their_tenant(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await _earned(shop, make_client, db_urls, 1)
    await _method(shop.affiliate, method="paypal", email="s@pay.example")
    batch = (await _batch(program.admin)).json()
    for who in (shop.affiliate, program.vendor):
        assert (await _batch(who)).status_code == 403
        r = await who.client.get(f"/api/v1/payout-batches/{batch['id']}", headers=who.headers)
        assert r.status_code == 403
    stranger = await new_program(make_client)
    a = stranger.admin
    assert (
        await a.client.get(f"/api/v1/payout-batches/{batch['id']}", headers=a.headers)
    ).status_code == 404
    assert (await a.client.get("/api/v1/payout-batches", headers=a.headers)).json() == []
    item = batch["items"][0]["id"]
    r = await a.client.post(
        f"/api/v1/payout-batches/items/{item}/settle", json={"status": "paid"}, headers=a.headers
    )
    assert r.status_code == 404
    r = await a.client.get(f"/api/v1/payout-batches/{batch['id']}/export.csv", headers=a.headers)
    assert r.status_code == 404
    assert (
        await stranger.affiliate.client.get("/api/v1/payouts", headers=stranger.affiliate.headers)
    ).json() == []
    s = (
        await shop.affiliate.client.get("/api/v1/payouts/settings", headers=shop.affiliate.headers)
    ).json()
    assert (s["threshold_minor"], s["schedule"]) == (100, "monthly")
    assert s["next_payout"].endswith("-01")
