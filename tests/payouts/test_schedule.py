"""The payout schedule makes each period's batch once, unless an admin already made one."""

from __future__ import annotations

import datetime as dt

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.payouts import jobs
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, earn, set_payout_method


def test_periods_start_on_mondays_and_firsts() -> None:
    wednesday = dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)
    assert jobs.period_start("weekly", wednesday) == dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert jobs.period_start("monthly", wednesday) == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


async def _batches(program: Program) -> list[dict[str, object]]:
    r = await program.admin.client.get("/api/v1/payout-batches", headers=program.admin.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_the_schedule_makes_one_batch_per_period(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    r = await settings(program.admin, payout_threshold_minor=100, payout_schedule="manual")
    assert r.status_code == 200, r.text
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="s@pay.example")
    db = Database(db_urls.app)
    try:
        await jobs.pay_on_schedule(db)
        assert await _batches(program) == []  # manual: only admins make batches
        await settings(program.admin, payout_schedule="weekly")
        assert await jobs.pay_on_schedule(db) >= 1
        [batch] = await _batches(program)
        assert (batch["scheduled"], batch["item_count"], batch["total_minor"]) == (True, 1, 1_600)
        # settle it; more earnings come in; the same week makes no second batch
        got = await program.admin.client.get(
            f"/api/v1/payout-batches/{batch['id']}", headers=program.admin.headers
        )
        item = got.json()["items"][0]["id"]
        r = await program.admin.client.post(
            f"/api/v1/payout-batches/items/{item}/settle",
            json={"status": "paid"},
            headers=program.admin.headers,
        )
        assert r.status_code == 200, r.text
        await earn(shop, make_client, db_urls, 1, batch="Q")
        await jobs.pay_on_schedule(db)
        assert len(await _batches(program)) == 1
        # next week's first run pays the new balance
        await jobs.pay_on_schedule(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
        assert [b["total_minor"] for b in await _batches(program)] == [1_600, 1_600]
    finally:
        await db.dispose()
