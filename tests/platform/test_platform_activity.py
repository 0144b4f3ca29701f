"""Platform analytics: every organisation's size and activity over a range, through the one
narrow, audited path; no organisation's user can reach it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import Account, Program


async def _activity(admin: Account, **params: str) -> Any:
    r = await admin.client.get("/api/v1/platform/activity", params=params, headers=admin.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_organisations_people_offers_clicks_and_money_are_counted(
    program: Program, make_client: ClientFactory, platform_admin: Account
) -> None:
    # given an organisation whose affiliate (with an upline) sold 10,000 through a click today
    shop = await open_shop(program, make_client)
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text

    # when the platform admin looks at the last 30 days
    seen = await _activity(platform_admin)

    # then the organisation is there with its size and activity, commissions net of the fee
    [org] = [o for o in seen["organisations"] if o["id"] == program.admin.tenant_id]
    assert {k: org[k] for k in ("users", "new_users", "affiliates", "vendors")} == {
        "users": 4,
        "new_users": 4,
        "affiliates": 2,
        "vendors": 1,
    }
    assert (org["products"], org["new_products"], org["clicks"], org["sales"]) == (1, 1, 1, 1)
    assert org["money"] == [
        {"currency": "USD", "sales_minor": 10_000, "commissions_minor": 1_800, "fees_minor": 200}
    ]
    # and the platform's totals are the organisations' sums, its days the range's
    totals = seen["totals"]
    assert totals["organisations"] == len(seen["organisations"])
    assert totals["sales"] == sum(o["sales"] for o in seen["organisations"])
    assert totals["clicks"] == sum(d["clicks"] for d in seen["days"])
    assert totals["sales"] == sum(d["sales"] for d in seen["days"])
    assert len(seen["days"]) == 30
    assert seen["days"][-1]["day"] == dt.datetime.now(dt.UTC).date().isoformat()


async def test_a_range_that_ended_before_the_activity_shows_none_of_it(
    program: Program, make_client: ClientFactory, platform_admin: Account
) -> None:
    shop = await open_shop(program, make_client)
    await shop.report(click_id=await shop.click(make_client()))
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)

    seen = await _activity(
        platform_admin,
        start=(yesterday - dt.timedelta(days=6)).isoformat(),
        end=yesterday.isoformat(),
    )

    # an organisation created today had not begun
    assert all(o["id"] != program.admin.tenant_id for o in seen["organisations"])
    assert (seen["start"], seen["end"], len(seen["days"])) == (
        (yesterday - dt.timedelta(days=6)).isoformat(),
        yesterday.isoformat(),
        7,
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"start": "2026-03-02", "end": "2026-03-01"}, "start", id="backwards"),
        pytest.param({"start": "2024-01-01", "end": "2026-01-01"}, "start", id="over-a-year"),
        pytest.param({"start": "2026-02-30"}, "start", id="no-such-day"),
        pytest.param({"end": "yesterday"}, "end", id="not-a-date"),
    ],
)
async def test_a_bad_range_is_a_problem_naming_the_field(
    platform_admin: Account, params: dict[str, str], field: str
) -> None:
    r = await platform_admin.client.get(
        "/api/v1/platform/activity", params=params, headers=platform_admin.headers
    )

    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in str(r.json()["errors"]), r.json()


@pytest.mark.parametrize("who", ["admin", "vendor", "affiliate"])
async def test_no_organisations_user_reaches_it(program: Program, who: str) -> None:
    account: Account = getattr(program, who)

    r = await account.client.get("/api/v1/platform/activity", headers=account.headers)

    assert r.status_code == 403, r.text


async def test_every_look_is_audited(platform_admin: Account, owner_engine: Engine) -> None:
    def looks() -> list[str]:
        with owner_engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT action FROM platform_audit_log WHERE actor_user_id = :a"
                        " AND action LIKE 'platform_%' ORDER BY id"
                    ),
                    {"a": platform_admin.id},
                ).scalars()
            )

    before = looks()
    await _activity(platform_admin)

    assert looks()[len(before) :] == ["platform_activity", "platform_daily"]
