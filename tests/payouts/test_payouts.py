"""Payouts: methods, batches from available balances over the threshold, the CSV, paid and
failed items, the ledger moves, one batch at a time, isolation."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx
import pytest

from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.money import as_decimal
from bitnexus.payouts.schemas import iban_ok
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Account, Program, earn, new_program, set_payout_method

IBAN = "DE89 3704 0044 0532 0130 00"

# tests/commissions/test_tiers.py imports the factory by its old name from here


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


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"method": "paypal", "email": "not-an-email"}, "details.paypal.email"),
        (
            {"method": "bank_transfer", "account_holder": "A B", "iban": "DE00123"},
            "details.bank_transfer.iban",
        ),
        ({"method": "carrier_pigeon"}, "details"),
    ],
    ids=["paypal-bad-email", "bank-bad-iban", "unknown-method"],
)
async def test_bad_payout_details_name_the_field(
    program: Program, details: dict[str, str], field: str
) -> None:
    a = program.affiliate

    r = await set_payout_method(a, **details)

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].startswith(field), r.text
    assert (await a.client.get("/api/v1/payouts/method", headers=a.headers)).json() is None


async def test_affiliates_set_a_payout_method(program: Program) -> None:
    a = program.affiliate
    assert (await a.client.get("/api/v1/payouts/method", headers=a.headers)).json() is None

    r = await set_payout_method(
        a, method="bank_transfer", account_holder="Aff Iliate", iban=IBAN, bic="cobadeffxxx"
    )
    assert r.status_code == 200, r.text
    assert r.json()["account"] == "Aff Iliate, IBAN ···· 3000"
    r = await set_payout_method(a, method="paypal", email="aff@pay.example")
    assert (r.json()["method"], r.json()["account"]) == ("paypal", "aff@pay.example")
    assert (
        await set_payout_method(program.vendor, method="paypal", email="v@x.example")
    ).status_code == 403


async def test_a_batch_pays_available_balances_over_the_threshold(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given a 30.00 threshold, two matured sales and, at first, no payout methods
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=3_000)).status_code == 200
    await earn(shop, make_client, db_urls, 2)  # affiliate 3,200; upline 400 (below)
    assert (await _batch(program.admin)).status_code == 409  # nobody has a payout method yet
    await set_payout_method(shop.affiliate, method="paypal", email="seller@pay.example")
    await set_payout_method(shop.upline, method="wise", email="upline@pay.example")

    # when the admin previews, then only the affiliate over the threshold is in it
    preview = (
        await program.admin.client.get(
            "/api/v1/payout-batches/preview", headers=program.admin.headers
        )
    ).json()
    by_id = {c["affiliate_id"]: c for c in preview["candidates"]}
    assert by_id[shop.affiliate.id]["skipped"] is None
    assert by_id[shop.upline.id]["skipped"] == "below_threshold"
    assert preview["total_minor"] == 3_200

    # when the admin makes the batch, then the money moves to "in payment", one batch at a time
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

    # and the export lists the item for the payment provider
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

    # when the item is marked paid, then it is final, paid, closed and out of the export
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
    # given a batch paying the affiliate (whose name looks like a spreadsheet formula) and
    # the upline
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(
        shop.affiliate, method="bank_transfer", account_holder="=HYPERLINK(1)", iban=IBAN
    )
    await set_payout_method(shop.upline, method="paypal", email="up@pay.example")
    batch = (await _batch(program.admin)).json()
    assert len(batch["items"]) == 2
    csv_r = await program.admin.client.get(
        f"/api/v1/payout-batches/{batch['id']}/export.csv", headers=program.admin.headers
    )
    assert "'=HYPERLINK(1)" in csv_r.text  # no formula reaches a spreadsheet

    # when the affiliate's item fails (a reason is required)
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

    # then the money is available again and the batch stays open for the upline
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
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="s@pay.example")
    results = await asyncio.gather(*(_batch(program.admin) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    assert (await shop.balances(shop.affiliate))["in_payment"] == 1_600


async def test_payouts_are_for_admins_and_stay_in_their_tenant(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=100)).status_code == 200
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="s@pay.example")
    batch = (await _batch(program.admin)).json()
    refused = {
        role: (
            (await _batch(who)).status_code,
            (
                await who.client.get(f"/api/v1/payout-batches/{batch['id']}", headers=who.headers)
            ).status_code,
        )
        for role, who in (("affiliate", shop.affiliate), ("vendor", program.vendor))
    }
    assert refused == {"affiliate": (403, 403), "vendor": (403, 403)}  # (make one, read one)
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
