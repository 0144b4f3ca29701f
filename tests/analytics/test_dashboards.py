"""Dashboards: every figure from the same rows the other pages list, money equal to the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.dburl import DatabaseUrls
from tests.analytics.support import dashboard, ledger_sum, traffic
from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import Account, Program, earn, invite_and_accept, new_program


async def test_the_affiliate_dashboard_counts_clicks_sales_and_earnings(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)
    board = await dashboard(shop.affiliate, "affiliate")
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
    assert board["balances"]["pending_minor"] == -ledger_sum(
        owner_engine, f"affiliate:{shop.affiliate.id}:pending:USD"
    )
    rows = (
        await shop.affiliate.client.get("/api/v1/commissions", headers=shop.affiliate.headers)
    ).json()["items"]
    assert sum(r["amount_minor"] - r["reversed_minor"] for r in rows) == 1_600
    # the upline earns overrides without clicks of their own
    up = await dashboard(shop.upline, "affiliate")
    assert (up["totals"]["clicks"], up["totals"]["earnings_minor"]) == (0, 200)


async def test_the_vendor_dashboard_shows_sales_and_commission_owed(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)
    await shop.report(order_id="D-3", product_id=shop.product["id"])  # unattributed: owes nothing
    board = await dashboard(program.vendor, "vendor")
    assert (board["sales"], board["sales_minor"], board["refunded_minor"]) == (3, 25_000, 5_000)
    # pools 2,000 (cut to 1,000) and 1,000
    assert board["commission_minor"] == 2_000
    assert (
        board["receivable_minor"]
        == ledger_sum(owner_engine, f"vendor:{program.vendor.id}:receivable:USD")
        == 2_000
    )
    [product] = board["products"]
    assert (product["sales"], product["clicks"], product["commission_minor"]) == (3, 3, 2_000)


async def test_the_admin_dashboard_ranks_affiliates_and_counts_the_queues(
    program: Program, make_client: ClientFactory, owner_engine: Engine, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)
    await program.listed(title="Waiting for vetting")
    await shop.report(
        order_id="D-9", click_id=await shop.click(make_client()), customer_ref=shop.affiliate.id
    )
    board = await dashboard(program.admin, "admin")
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


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?start=2026-05-02&end=2026-05-01", "start"),
        ("?start=2024-01-01&end=2026-01-01", "start"),
        ("?start=yesterday", None),
    ],
    ids=["ends-before-it-starts", "over-a-year", "not-a-date"],
)
async def test_a_bad_range_is_refused(program: Program, query: str, field: str | None) -> None:
    r = await program.affiliate.client.get(
        f"/api/v1/dashboards/affiliate{query}", headers=program.affiliate.headers
    )

    assert r.status_code == 422, r.text
    if field is not None:
        assert r.json()["errors"][0]["field"] == field


async def test_a_range_has_a_row_for_each_day(program: Program) -> None:
    board = await dashboard(program.affiliate, "affiliate", "?start=2026-01-01&end=2026-01-07")

    assert [d["day"] for d in board["days"]][::6] == ["2026-01-01", "2026-01-07"]


@pytest.mark.parametrize(
    ("who", "board"),
    [("vendor", "affiliate"), ("affiliate", "vendor"), ("vendor", "admin")],
    ids=["vendor-reads-affiliate", "affiliate-reads-vendor", "vendor-reads-admin"],
)
async def test_each_role_sees_only_its_own_dashboard(
    program: Program, who: str, board: str
) -> None:
    reader: Account = getattr(program, who)

    r = await reader.client.get(f"/api/v1/dashboards/{board}", headers=reader.headers)

    assert r.status_code == 403


async def test_another_programs_traffic_is_not_counted(
    program: Program, make_client: ClientFactory
) -> None:
    # given a program with clicks and sales
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)

    # when another program's admin opens their dashboard
    stranger = await new_program(make_client)
    board = await dashboard(stranger.admin, "admin")

    # then none of it is there
    assert (board["totals"]["clicks_raw"], board["sales_minor"], board["leaders"]) == (0, 0, [])


async def test_matured_and_paid_money_moves_between_balances_not_earnings(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await earn(shop, make_client, db_urls, 2)
    board = await dashboard(shop.affiliate, "affiliate")
    assert board["totals"]["earnings_minor"] == 3_200
    assert (board["balances"]["pending_minor"], board["balances"]["available_minor"]) == (0, 3_200)


async def test_money_is_shown_one_currency_at_a_time_with_the_others_listed(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    shop = await open_shop(program, make_client, currency="EUR")  # the program sells in USD
    click = await shop.click(make_client())
    r = await shop.report(order_id="E-1", click_id=click, currency="EUR")
    assert r.status_code == 201, r.text
    usd = await dashboard(shop.affiliate, "affiliate")
    assert (usd["currency"], usd["currencies"]) == ("USD", ["EUR", "USD"])
    assert (usd["totals"]["conversions"], usd["totals"]["earnings_minor"]) == (0, 0)
    eur = await dashboard(shop.affiliate, "affiliate", "?currency=eur")
    assert eur["currency"] == "EUR"
    assert (eur["totals"]["conversions"], eur["totals"]["earnings_minor"]) == (1, 1_600)
    assert (
        eur["balances"]["pending_minor"]
        == 1_600
        == -ledger_sum(owner_engine, f"affiliate:{shop.affiliate.id}:pending:EUR")
    )
    vendor = await dashboard(program.vendor, "vendor", "?currency=EUR")
    assert (vendor["sales_minor"], vendor["commission_minor"]) == (10_000, 2_000)
    assert vendor["receivable_minor"] == ledger_sum(
        owner_engine, f"vendor:{program.vendor.id}:receivable:EUR"
    )
    assert (await dashboard(program.vendor, "vendor"))["sales_minor"] == 0
    admin = await dashboard(program.admin, "admin", "?currency=EUR")
    assert (admin["sales_minor"], admin["fees_minor"], admin["totals"]["earnings_minor"]) == (
        10_000,
        200,
        1_800,
    )
    # a vendor lists only its own products' currencies
    stranger = await invite_and_accept(program.admin, make_client(), role="vendor")
    assert (await dashboard(stranger, "vendor"))["currencies"] == ["USD"]


@pytest.mark.parametrize("bad", ["EURO", "E1R", "XYZ"])
async def test_a_currency_that_is_no_currency_is_refused(program: Program, bad: str) -> None:
    r = await program.admin.client.get(
        f"/api/v1/dashboards/admin?currency={bad}", headers=program.admin.headers
    )

    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "currency")


@pytest.mark.parametrize(
    ("reader", "earned"),
    [
        pytest.param("affiliate", 1_600, id="the affiliate's own"),
        pytest.param("admin", 1_800, id="the programme's, the upline's share too"),
    ],
)
async def test_links_add_up_by_campaign(
    program: Program, make_client: ClientFactory, reader: str, earned: int
) -> None:
    # given an affiliate's link without a campaign and two links of the "spring" campaign
    shop = await open_shop(program, make_client)
    spring = []
    for _ in range(2):
        r = await shop.affiliate.client.post(
            "/api/v1/links",
            json={"product_id": shop.product["id"], "utm_campaign": "spring"},
            headers=shop.affiliate.headers,
        )
        assert r.status_code == 201, r.text
        spring.append(r.json())

    # when each spring link gets a click and one of them a sale, and the plain link a click
    sold = await shop.click(make_client(), spring[0])
    await shop.click(make_client(), spring[1])
    await shop.click(make_client())
    assert (await shop.report(order_id="SP-1", click_id=sold)).status_code == 201

    # then the dashboard adds the links up by campaign, the links without one last
    who = shop.affiliate if reader == "affiliate" else program.admin
    board = await dashboard(who, reader)
    rows = [(c["campaign"], c["links"], c["clicks"], c["conversions"]) for c in board["campaigns"]]
    assert rows == [("spring", 2, 2, 1), (None, 1, 1, 0)]
    assert board["campaigns"][0]["earnings_minor"] == earned
