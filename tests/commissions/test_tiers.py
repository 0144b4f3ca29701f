"""Tiers: approved earnings over the trailing 90 days move an affiliate up (and down); the
tier's bonus raises the commission pool of their next sales; every change is recorded."""

from __future__ import annotations

import datetime as dt
import uuid

from bitnexus.commissions import jobs
from bitnexus.commissions.models import Tier
from bitnexus.commissions.service import tiers
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tenants import service as tenant_service
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, earn


def test_the_ladder_is_climbed_by_thresholds() -> None:
    assert tiers.tier_for(0, [100, 200, 300]) == Tier.bronze
    assert tiers.tier_for(199, [100, 200, 300]) == Tier.silver
    assert tiers.tier_for(300, [100, 200, 300]) == Tier.platinum
    assert tiers.check_ladder([100, 100, 300], [1, 2, 3]) is not None
    assert tiers.check_ladder([100, 200, 300], [1, 2, 30_000]) is not None
    assert tiers.check_ladder([100, 200, 300], [0, 500, 1_000]) is None


async def test_bad_ladders_are_refused(program: Program) -> None:
    for body in (
        {"tier_thresholds": [5_000, 4_000, 9_000]},
        {"tier_thresholds": [1, 2]},
        {"tier_bonus_bps": [100, 200, 20_000]},
        {"tier_thresholds": [0, 2, 3]},
    ):
        r = await settings(program.admin, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"].startswith(("tier_thresholds", "tier_bonus_bps"))


async def test_approved_earnings_raise_the_tier_and_its_bonus_pays_on_the_next_sale(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    r = await settings(
        program.admin, tier_thresholds=[3_000, 6_000, 100_000], tier_bonus_bps=[1_000, 2_000, 5_000]
    )
    assert r.status_code == 200, r.text
    me = shop.affiliate
    before = (await me.client.get("/api/v1/commissions/tier", headers=me.headers)).json()
    assert (before["tier"], before["earnings_minor"], before["next_tier"]) == (
        "bronze",
        0,
        "silver",
    )
    await earn(shop, make_client, db_urls, 2)  # 3,200 approved: silver
    now = (await me.client.get("/api/v1/commissions/tier", headers=me.headers)).json()
    assert (now["tier"], now["bonus_bps"], now["earnings_minor"]) == ("silver", 1_000, 3_200)
    assert (now["next_tier"], now["next_threshold_minor"]) == ("gold", 6_000)
    assert [(c["previous"], c["tier"]) for c in now["history"]] == [("bronze", "silver")]
    # pool 20% of 10,000 with a 10% uplift = 2,200; fee 220, upline 220, affiliate 1,760
    sale = (await shop.report(order_id="T-1", click_id=await shop.click(make_client()))).json()
    assert sale["pool_minor"] == 2_200
    mine = {s["kind"]: s["amount_minor"] for s in sale["shares"]}
    assert mine == {"affiliate": 1_760, "override": 220, "platform_fee": 220}


async def test_earnings_older_than_ninety_days_stop_counting(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    shop = await open_shop(program, make_client)
    await settings(program.admin, tier_thresholds=[3_000, 6_000, 100_000])
    await earn(shop, make_client, db_urls, 2)
    db = Database(db_urls.app)
    try:
        async with db.sessionmaker() as session, session.begin():
            tenant_id = uuid.UUID(program.admin.user["tenant"]["id"])
            await set_tenant(session, tenant_id)
            tenant = await tenant_service.current(session, tenant_id)
            later = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
            user = uuid.UUID(shop.affiliate.id)
            assert await tiers.standing(session, tenant, user, later) == (Tier.bronze, 0)
    finally:
        await db.dispose()
    me = shop.affiliate
    history = (await me.client.get("/api/v1/commissions/tier", headers=me.headers)).json()[
        "history"
    ]
    # newest first: the drop (dated 200 days ahead), today's climb back, the first climb
    assert [(c["previous"], c["tier"]) for c in history] == [
        ("silver", "bronze"),
        ("bronze", "silver"),
        ("bronze", "silver"),
    ]
    assert (
        await program.vendor.client.get("/api/v1/commissions/tier", headers=program.vendor.headers)
    ).status_code == 403


async def test_tiers_fall_without_a_visit_once_their_earnings_leave_the_window(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    """The hourly review (`jobs.review_tiers`) lets a tier fall though the affiliate neither
    matures anything nor looks at the tier page, so their next sale earns no stale bonus."""
    shop = await open_shop(program, make_client)
    r = await settings(
        program.admin, tier_thresholds=[3_000, 6_000, 100_000], tier_bonus_bps=[1_000, 2_000, 5_000]
    )
    assert r.status_code == 200, r.text
    await earn(shop, make_client, db_urls, 2)  # silver, recorded when they matured
    db = Database(db_urls.app)
    try:
        await jobs.review_tiers(db)  # today: the earnings still count, nothing changes
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.UUID(program.admin.tenant_id))
            assert await tiers.recorded(session, uuid.UUID(shop.affiliate.id)) == Tier.silver
        # matured with the clock set past the hold; 200 days on, they have left the window
        await jobs.review_tiers(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=200))
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.UUID(program.admin.tenant_id))
            assert await tiers.recorded(session, uuid.UUID(shop.affiliate.id)) == Tier.bronze
    finally:
        await db.dispose()
    sale = (await shop.report(order_id="T-9", click_id=await shop.click(make_client()))).json()
    assert sale["pool_minor"] == 2_000  # 20% of 10,000, no bonus
