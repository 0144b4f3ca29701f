"""The affiliate directory: each affiliate's figures are the dashboards' and the ledger's, their
network and fraud history are theirs, and only their organisation's admins see any of it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.analytics.support import dashboard, ledger_sum, traffic
from tests.commissions.support import Shop, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Account, Program, new_program, signup_affiliate


async def _directory(who: Account, query: str = "") -> Any:
    r = await who.client.get(f"/api/v1/affiliates{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _row(page: Any, account: Account) -> Any:
    [row] = [r for r in page["items"] if r["id"] == account.id]
    return row


async def _shop_with_traffic(program: Program, make_client: ClientFactory) -> Shop:
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)
    return shop


async def test_an_affiliate_is_listed_with_the_dashboards_figures_and_the_ledgers_balances(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    # given an affiliate with clicks and sales, referred by an upline
    shop = await _shop_with_traffic(program, make_client)

    # when the admin opens the directory
    page = await _directory(program.admin)

    # then the affiliate's traffic is what their own dashboard says
    row = _row(page, shop.affiliate)
    own = await dashboard(shop.affiliate, "affiliate")
    assert {k: row[k] for k in own["totals"]} == own["totals"]
    assert row["sales_minor"] == 15_000  # both sales, refunds not taken off
    assert (row["name"], row["email"]) == (
        shop.affiliate.user["name"],
        shop.affiliate.user["email"],
    )
    assert (row["status"], row["tier"]) == ("active", "bronze")
    # and the balances are the ledger's
    assert row["balances"]["pending_minor"] == -ledger_sum(
        owner_engine, f"affiliate:{shop.affiliate.id}:pending:USD"
    )
    # and the network is both ways
    assert row["referred_by"]["id"] == shop.upline.id
    up = _row(page, shop.upline)
    assert (up["referrals"], up["referred_by"], up["clicks"]) == (1, None, 0)
    assert up["earnings_minor"] == 200  # the override on the second sale
    assert row["holds"] == {"open": 0, "approved": 0, "rejected": 0}


async def test_fraud_history_is_counted_and_the_profile_shows_it_in_the_admins_words(
    program: Program, make_client: ClientFactory
) -> None:
    # given a sale held as too fast
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_min_click_seconds=10)).status_code == 200
    r = await shop.report(order_id="F-1", click_id=await shop.click(make_client()))
    assert r.json()["hold_reasons"] == ["too_fast"]

    # when the admin looks the affiliate up
    row = _row(await _directory(program.admin), shop.affiliate)
    got = await program.admin.client.get(
        f"/api/v1/affiliates/{shop.affiliate.id}", headers=program.admin.headers
    )

    # then the hold is counted, and the profile shows it with its order and the rule's facts
    assert row["holds"] == {"open": 1, "approved": 0, "rejected": 0}
    assert row["balances"]["held_minor"] == 1_600
    assert got.status_code == 200, got.text
    profile = got.json()
    [hold] = profile["holds"]
    assert hold["order_id"] == "F-1"
    assert hold["explained"][0].startswith("The sale came ")
    [commission] = profile["commissions"]
    assert (commission["kind"], commission["state"], commission["amount_minor"]) == (
        "affiliate",
        "held",
        1_600,
    )
    assert profile["summary"] == row
    assert len(profile["days"]) == 30
    assert profile["days"][-1]["clicks"] == 1
    assert profile["tier"]["tier"] == "bronze"
    assert profile["payouts"] == []
    # the upline's profile lists whom they referred
    up = await program.admin.client.get(
        f"/api/v1/affiliates/{shop.upline.id}", headers=program.admin.headers
    )
    assert [m["id"] for m in up.json()["referrals"]] == [shop.affiliate.id]


async def test_the_directory_filters_by_name_and_status_and_pages(
    program: Program, make_client: ClientFactory
) -> None:
    # given three more affiliates, one of them suspended
    more = [
        await signup_affiliate(make_client(), program.admin.slug, admin=program.admin)
        for _ in range(3)
    ]
    r = await program.admin.client.patch(
        f"/api/v1/users/{more[0].id}", json={"status": "suspended"}, headers=program.admin.headers
    )
    assert r.status_code == 200, r.text

    # then status and name filter, and pages follow one another without overlap
    suspended = await _directory(program.admin, "?status=suspended")
    assert [r["id"] for r in suspended["items"]] == [more[0].id]
    email = more[1].user["email"]
    assert [r["id"] for r in (await _directory(program.admin, f"?q={email}"))["items"]] == [
        more[1].id
    ]
    first = await _directory(program.admin, "?limit=2")
    second = await _directory(program.admin, f"?limit=2&cursor={first['next_cursor']}")
    seen = [r["id"] for r in first["items"] + second["items"]]
    assert seen == [program.affiliate.id, *(m.id for m in more)]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("role", ["vendor", "affiliate"])
async def test_only_admins_read_the_directory(program: Program, role: str) -> None:
    who: Account = getattr(program, role)
    for path in ("/api/v1/affiliates", f"/api/v1/affiliates/{program.affiliate.id}"):
        r = await who.client.get(path, headers=who.headers)
        assert r.status_code == 403, (path, r.text)


async def test_another_organisations_affiliates_are_neither_listed_nor_found(
    program: Program, make_client: ClientFactory
) -> None:
    stranger = await new_program(make_client)
    assert [r["id"] for r in (await _directory(stranger.admin))["items"]] == [stranger.affiliate.id]
    for guessed in (program.affiliate.id, program.vendor.id, program.admin.id):
        r = await stranger.admin.client.get(
            f"/api/v1/affiliates/{guessed}", headers=stranger.admin.headers
        )
        assert r.status_code == 404, r.text
    # nor is a member of the same organisation who is not an affiliate
    r = await program.admin.client.get(
        f"/api/v1/affiliates/{program.vendor.id}", headers=program.admin.headers
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=banned", "status"),
        ("?currency=XX", "currency"),
        ("?limit=0", "limit"),
        ("?start=2026-13-01", "start"),
        ("?q=" + "x" * 101, "q"),
    ],
)
async def test_bad_directory_queries_name_the_field(
    program: Program, query: str, field: str
) -> None:
    r = await program.admin.client.get(f"/api/v1/affiliates{query}", headers=program.admin.headers)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text


async def test_the_directory_exports_with_its_filters(
    program: Program, make_client: ClientFactory
) -> None:
    # given an affiliate with traffic beside the program's own affiliate
    shop = await _shop_with_traffic(program, make_client)
    listed = _row(await _directory(program.admin), shop.affiliate)

    # when the admin exports the directory filtered to that affiliate's email
    email = shop.affiliate.user["email"]
    r = await program.admin.client.get(
        f"/api/v1/affiliates/export?q={email}", headers=program.admin.headers
    )

    # then the file holds that one affiliate with the directory's figures
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith('attachment; filename="affiliates-')
    [row] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert (row["Email"], row["Referred by"]) == (email, shop.upline.user["name"])
    assert (int(row["Clicks"]), int(row["Sales"])) == (listed["clicks"], listed["conversions"])
    assert row["Sales value"] == "150.00"
    assert row["Pending"] == f"{listed['balances']['pending_minor'] / 100:.2f}"


@pytest.mark.parametrize(
    ("who", "query", "status"),
    [("vendor", "", 403), ("affiliate", "", 403), ("admin", "?format=pdf", 422)],
)
async def test_the_directory_export_refuses_others_and_bad_formats(
    program: Program, who: str, query: str, status: int
) -> None:
    account: Account = getattr(program, who)
    r = await account.client.get(f"/api/v1/affiliates/export{query}", headers=account.headers)
    assert r.status_code == status, r.text
    if status == 422:
        assert "format" in r.text
