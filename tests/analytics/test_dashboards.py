"""Dashboards: every figure from the same rows the other pages list, money equal to the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.dburl import DatabaseUrls
from tests.accounts.factories import Account, invite_and_accept
from tests.catalog.support import Program, new_program
from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.payouts.test_payouts import _earned


async def _dashboard(who: Account, role: str, query: str = "") -> Any:
    r = await who.client.get(f"/api/v1/dashboards/{role}{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _ledger(owner_engine: Engine, code: str) -> int:
    with owner_engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p"
                " JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = :c"
            ),
            {"c": code},
        ).scalar_one()
    return int(total)


async def _traffic(shop: Shop, make_client: ClientFactory) -> None:
    """Four clicks (one from a crawler, one a repeat) and two sales, one half refunded."""
    visitor = make_client()
    first = await shop.click(visitor)
    await shop.click(visitor)  # same visitor, same link: not unique
    await make_client().get(
        f"/r/{shop.link['code']}",
        headers={"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
    )
    second = await shop.click(make_client())
    a = (await shop.report(order_id="D-1", click_id=first)).json()
    await shop.report(order_id="D-2", click_id=second, amount_minor=5_000)
    r = await shop.refund(a["id"], amount_minor=5_000)
    assert r.status_code == 201, r.text


async def test_the_affiliate_dashboard_counts_clicks_sales_and_earnings(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    await _traffic(shop, make_client)
    board = await _dashboard(shop.affiliate, "affiliate")
    # sale 1: 1,600 cut to 800 by the half refund; sale 2: pool 1,000, fee 100, upline 100
    assert board["totals"] == {
        "clicks_raw": 4,
        "clicks": 3,
        "unique_clicks": 2,
        "conversions": 2,
        "conversion_rate_bps": 6_666,
        "earnings_minor": 1_600,
        "epc_minor": 533,
    }
    assert len(board["days"]) == 30
    today = board["days"][-1]
    assert (today["day"], today["clicks"], today["earnings_minor"]) == (
        dt.datetime.now(dt.UTC).date().isoformat(),
        3,
        1_600,
    )
    [link] = board["links"]
    assert (link["id"], link["conversions"], link["earnings_minor"]) == (shop.link["id"], 2, 1_600)
    [product] = board["products"]
    assert (product["label"], product["clicks_raw"]) == (shop.product["title"], 4)
    # the balances are the ledger's; the earnings are the commission rows'
    assert board["balances"]["pending_minor"] == -_ledger(
        owner_engine, f"affiliate:{shop.affiliate.id}:pending:USD"
    )
    rows = (
        await shop.affiliate.client.get("/api/v1/commissions", headers=shop.affiliate.headers)
    ).json()["items"]
    assert sum(r["amount_minor"] - r["reversed_minor"] for r in rows) == 1_600
    # the upline earns overrides without clicks of their own
    up = await _dashboard(shop.upline, "affiliate")
    assert (up["totals"]["clicks"], up["totals"]["earnings_minor"]) == (0, 200)


async def test_the_vendor_dashboard_shows_sales_and_commission_owed(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    await _traffic(shop, make_client)
    await shop.report(order_id="D-3", product_id=shop.product["id"])  # unattributed: owes nothing
    board = await _dashboard(program.vendor, "vendor")
    assert (board["sales"], board["sales_minor"], board["refunded_minor"]) == (3, 25_000, 5_000)
    # pools 2,000 (cut to 1,000) and 1,000
    assert board["commission_minor"] == 2_000
    assert (
        board["receivable_minor"]
        == _ledger(owner_engine, f"vendor:{program.vendor.id}:receivable:USD")
        == 2_000
    )
    [product] = board["products"]
    assert (product["sales"], product["clicks"], product["commission_minor"]) == (3, 3, 2_000)


async def test_the_admin_dashboard_ranks_affiliates_and_counts_the_queues(
    program: Program, make_client: ClientFactory, owner_engine: Engine, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await _traffic(shop, make_client)
    await program.listed(title="Waiting for vetting")
    await shop.report(
        order_id="D-9", click_id=await shop.click(make_client()), customer_ref=shop.affiliate.id
    )
    board = await _dashboard(program.admin, "admin")
    assert board["totals"]["clicks"] == 4
    assert board["totals"]["conversions"] == 3
    assert [(x["name"], x["earnings_minor"]) for x in board["leaders"]][:1] == [
        ("Aff Iliate", 3_200)
    ]
    assert (board["vetting_queue"], board["fraud_queue"], board["payouts_in_payment"]) == (1, 1, 0)
    tenant = program.admin.user["tenant"]["id"]
    with owner_engine.connect() as conn:
        fees = conn.execute(
            text(
                "SELECT -coalesce(sum(p.amount), 0) FROM ledger_postings p JOIN ledger_accounts a"
                " ON a.id = p.account_id WHERE a.code = 'platform:fees:USD' AND a.tenant_id = :t"
            ),
            {"t": tenant},
        ).scalar_one()
    assert board["fees_balance_minor"] == fees == board["fees_minor"] == 400
    assert board["sales_minor"] == 25_000


async def test_ranges_are_checked_and_each_role_sees_its_own(
    program: Program, make_client: ClientFactory
) -> None:
    for query in ("?start=2026-05-02&end=2026-05-01", "?start=2024-01-01&end=2026-01-01"):
        r = await program.affiliate.client.get(
            f"/api/v1/dashboards/affiliate{query}", headers=program.affiliate.headers
        )
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "start")
    r = await program.affiliate.client.get(
        "/api/v1/dashboards/affiliate?start=yesterday", headers=program.affiliate.headers
    )
    assert r.status_code == 422
    board = await _dashboard(program.affiliate, "affiliate", "?start=2026-01-01&end=2026-01-07")
    assert [d["day"] for d in board["days"]][::6] == ["2026-01-01", "2026-01-07"]
    for who, role in (
        (program.vendor, "affiliate"),
        (program.affiliate, "vendor"),
        (program.vendor, "admin"),
    ):
        r = await who.client.get(f"/api/v1/dashboards/{role}", headers=who.headers)
        assert r.status_code == 403
    shop = await open_shop(program, make_client)
    await _traffic(shop, make_client)
    stranger = await new_program(make_client)
    board = await _dashboard(stranger.admin, "admin")
    assert (board["totals"]["clicks_raw"], board["sales_minor"], board["leaders"]) == (0, 0, [])


async def test_matured_and_paid_money_moves_between_balances_not_earnings(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await _earned(shop, make_client, db_urls, 2)
    board = await _dashboard(shop.affiliate, "affiliate")
    assert board["totals"]["earnings_minor"] == 3_200
    assert (board["balances"]["pending_minor"], board["balances"]["available_minor"]) == (0, 3_200)


async def test_money_is_shown_one_currency_at_a_time_with_the_others_listed(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client, currency="EUR")  # the program sells in USD
    click = await shop.click(make_client())
    r = await shop.report(order_id="E-1", click_id=click, currency="EUR")
    assert r.status_code == 201, r.text
    usd = await _dashboard(shop.affiliate, "affiliate")
    assert (usd["currency"], usd["currencies"]) == ("USD", ["EUR", "USD"])
    assert (usd["totals"]["conversions"], usd["totals"]["earnings_minor"]) == (0, 0)
    eur = await _dashboard(shop.affiliate, "affiliate", "?currency=eur")
    assert eur["currency"] == "EUR"
    assert (eur["totals"]["conversions"], eur["totals"]["earnings_minor"]) == (1, 1_600)
    assert (
        eur["balances"]["pending_minor"]
        == 1_600
        == -_ledger(owner_engine, f"affiliate:{shop.affiliate.id}:pending:EUR")
    )
    vendor = await _dashboard(program.vendor, "vendor", "?currency=EUR")
    assert (vendor["sales_minor"], vendor["commission_minor"]) == (10_000, 2_000)
    assert vendor["receivable_minor"] == _ledger(
        owner_engine, f"vendor:{program.vendor.id}:receivable:EUR"
    )
    assert (await _dashboard(program.vendor, "vendor"))["sales_minor"] == 0
    admin = await _dashboard(program.admin, "admin", "?currency=EUR")
    assert (admin["sales_minor"], admin["fees_minor"], admin["totals"]["earnings_minor"]) == (
        10_000,
        200,
        1_800,
    )
    # a vendor lists only its own products' currencies; a code that is none is refused
    stranger = await invite_and_accept(program.admin, make_client(), role="vendor")
    assert (await _dashboard(stranger, "vendor"))["currencies"] == ["USD"]
    for bad in ("EURO", "E1R", "XYZ"):
        r = await program.admin.client.get(
            f"/api/v1/dashboards/admin?currency={bad}", headers=program.admin.headers
        )
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "currency"), bad
