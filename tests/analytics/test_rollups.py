"""Click rollups: settled hours are counted per link into click_hours; dashboards read them
before the mark and raw clicks after it, so every figure is the same before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking import rollups
from tests.analytics.support import backdate_clicks, dashboard, traffic
from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import Program


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("totals", "days", "links", "products", "countries"):
        if key in a:
            assert a[key] == b[key], key


async def test_rolled_up_hours_give_the_same_figures_and_new_clicks_still_count(
    program: Program, make_client: ClientFactory, owner_engine: Engine, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await traffic(shop, make_client)
    tenant = program.admin.user["tenant"]["id"]
    backdate_clicks(owner_engine, tenant, 3)
    before = await dashboard(shop.affiliate, "affiliate")
    admin_before = await dashboard(program.admin, "admin")
    vendor_before = await dashboard(program.vendor, "vendor")

    db = Database(db_urls.app)
    try:
        assert await rollups.roll_up(db) >= 1
        assert await rollups.roll_up(db) == 0  # nothing new is settled
    finally:
        await db.dispose()
    with owner_engine.connect() as conn:
        rolled = conn.execute(
            text("SELECT sum(raw), sum(clicks), sum(uniq) FROM click_hours WHERE tenant_id = :t"),
            {"t": tenant},
        ).one()
        mark = conn.execute(
            text("SELECT rolled_until FROM click_rollups WHERE tenant_id = :t"), {"t": tenant}
        ).scalar_one()
    assert tuple(rolled) == (4, 3, 2)
    settled = rollups.settled(dt.datetime.now(dt.UTC))
    assert settled - dt.timedelta(hours=1) <= mark <= settled

    _same(before, await dashboard(shop.affiliate, "affiliate"))
    assert (await dashboard(program.admin, "admin"))["totals"] == admin_before["totals"]
    assert (await dashboard(program.vendor, "vendor"))["products"] == vendor_before["products"]
    await shop.click(make_client())  # after the mark: counted from the clicks themselves
    after = await dashboard(shop.affiliate, "affiliate")
    assert after["totals"]["clicks"] == before["totals"]["clicks"] + 1


async def test_clicks_are_counted_by_country_the_same_before_and_after_the_rollup(
    program: Program,
    make_client: ClientFactory,
    app: FastAPI,
    owner_engine: Engine,
    db_urls: DatabaseUrls,
) -> None:
    shop = await open_shop(program, make_client)
    for address in ("81.2.69.142", "81.2.69.142", "8.8.8.8"):  # two from GB, one from the US
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
            await shop.click(visitor)
    await shop.click(make_client())  # a private address: no country
    backdate_clicks(owner_engine, program.admin.user["tenant"]["id"], 3)
    boards = [(shop.affiliate, "affiliate"), (program.vendor, "vendor"), (program.admin, "admin")]
    before = [await dashboard(who, role) for who, role in boards]
    assert [(c["country"], c["clicks_raw"]) for c in before[0]["countries"]] == [
        ("GB", 2),
        ("US", 1),
        (None, 1),
    ]
    assert before[1]["countries"] == before[2]["countries"] == before[0]["countries"]
    db = Database(db_urls.app)
    try:
        assert await rollups.roll_up(db) >= 1
    finally:
        await db.dispose()
    with owner_engine.connect() as conn:
        rolled = conn.execute(
            text("SELECT country, raw FROM click_hours WHERE link_id = :l ORDER BY raw, country"),
            {"l": shop.link["id"]},
        ).all()
    assert [tuple(r) for r in rolled] == [("", 1), ("US", 1), ("GB", 2)]
    for (who, role), earlier in zip(boards, before, strict=True):
        _same(await dashboard(who, role), earlier)
