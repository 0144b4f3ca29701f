"""The redirect and its clicks: destinations, fallbacks, bots, uniques, hashed addresses."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking.recorder import ClickRecorder
from bitnexus.tracking.rules import RateRule, RateWatch
from bitnexus.tracking.service import redirect
from bitnexus.tracking.visitors import Salts, Visit, hashes
from tests.conftest import ClientFactory
from tests.factories import BROWSER, Program
from tests.tracking.support import browser_visit, clicks_of, live_link, tenant_of


async def _visit(client: httpx.AsyncClient, path: str, **headers: str) -> httpx.Response:
    return await client.get(path, headers={"user-agent": BROWSER, **headers})


async def test_a_click_is_recorded_then_redirected_with_its_id_and_utms(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    link = await live_link(program, utm_source="mail", utm_campaign="spring", sub_ids=["a1"])
    visitor = make_client()
    r = await _visit(visitor, f"/r/{link['code']}", referer="https://blog.example/post")
    assert r.status_code == 302
    target = urlsplit(r.headers["location"])
    params = parse_qs(target.query)
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example", "/course")
    assert params["ref"] == ["list"]
    assert params["utm_source"] == ["mail"]
    assert params["utm_campaign"] == ["spring"]
    assert params["bnx_sub1"] == ["a1"]
    click_id = params["bnx_cid"][0]
    assert r.headers["cache-control"] == "no-store"
    assert visitor.cookies["bnx_cid"] == click_id
    assert visitor.cookies["bnx_vid"]

    [row] = clicks_of(owner_engine, link["id"])
    assert row.id == uuid.UUID(click_id)
    assert (row.is_bot, row.bot_reason, row.is_unique) == (False, None, True)
    assert str(row.affiliate_id) == program.affiliate.id
    assert row.referrer == "https://blog.example/post"
    assert len(bytes(row.ip_hash)) == 16
    with owner_engine.connect() as conn:  # no raw address anywhere in the row
        raw = conn.execute(text("SELECT c::text FROM clicks c WHERE id = :i"), {"i": row.id})
        # the test clients come from 10.x.y.z: no such address (a timestamp may hold "10.")
        assert re.search(r"\b10\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", raw.scalar_one()) is None


async def test_aliases_and_unknown_codes(program: Program, make_client: ClientFactory) -> None:
    link = await live_link(program, alias="launch")
    visitor = make_client()
    r = await _visit(visitor, f"/r/{program.admin.slug}/LAUNCH")
    assert r.status_code == 302
    assert r.headers["location"].startswith("https://shop.example/course")
    for path in ("/r/NoSuchCode12", f"/r/{program.admin.slug}/nope", "/r/no-such-org/launch"):
        r = await _visit(visitor, path)
        assert (r.status_code, r.headers["location"]) == (302, "/link-not-found"), path
    assert link["alias"] == "launch"


async def test_paused_deleted_and_withdrawn_links_land_on_the_fallback_page(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    link = await live_link(program)
    a, url = program.affiliate, f"/api/v1/links/{link['id']}"
    visitor = make_client()
    fallback = f"/t/{program.admin.slug}/unavailable"

    await a.client.patch(url, json={"status": "paused"}, headers=a.headers)
    assert (await _visit(visitor, f"/r/{link['code']}")).headers["location"] == fallback
    await program.admin.client.patch(
        "/api/v1/tenant/settings",
        json={"fallback_url": "https://acme.example/offers"},
        headers=program.admin.headers,
    )
    assert (await _visit(visitor, f"/r/{link['code']}")).headers["location"] == (
        "https://acme.example/offers"
    )
    await a.client.patch(url, json={"status": "active"}, headers=a.headers)
    assert (
        (await _visit(visitor, f"/r/{link['code']}"))
        .headers["location"]
        .startswith("https://shop.example/")
    )
    await program.vendor.client.delete(
        f"/api/v1/products/{link['product_id']}", headers=program.vendor.headers
    )  # archived
    assert (await _visit(visitor, f"/r/{link['code']}")).headers["location"] == (
        "https://acme.example/offers"
    )
    assert len(clicks_of(owner_engine, link["id"])) == 1  # only the live visit left a click


async def test_bots_and_prefetches_are_kept_but_flagged(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    link = await live_link(program)
    path = f"/r/{link['code']}"
    await make_client().get(path, headers={"user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    await make_client().get(path, headers={"user-agent": ""})
    await make_client().head(path, headers={"user-agent": BROWSER})
    await make_client().get(path, headers={"user-agent": BROWSER, "sec-purpose": "prefetch"})
    await make_client().get(path, headers={"user-agent": "curl/8.5"})
    await _visit(make_client(), path)

    reasons = [row.bot_reason for row in clicks_of(owner_engine, link["id"])]
    assert reasons == ["user_agent", "no_user_agent", "head", "prefetch", "user_agent", None]
    listed = (
        await program.affiliate.client.get(
            f"/api/v1/links/{link['id']}", headers=program.affiliate.headers
        )
    ).json()
    assert listed["clicks"] == {"raw": 6, "filtered": 1, "unique": 1}


async def test_impossible_rates_from_one_address_are_flagged(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    link = await live_link(program)
    hammer = make_client()
    for _ in range(13):
        hammer.cookies.clear()
        await _visit(hammer, f"/r/{link['code']}")
    reasons = [row.bot_reason for row in clicks_of(owner_engine, link["id"])]
    assert reasons == [None] * 10 + ["rate"] * 3


async def test_the_rate_rule_counts_the_clicks_of_every_process(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    """Two server processes see six clicks each from one address: neither has seen enough on
    its own, and PostgreSQL's probe flags the 11th and 12th."""
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=2)
    try:
        for process in range(2):
            recorder = ClickRecorder(db, tmp_path / str(process))
            try:
                for n in range(6):
                    visit = browser_visit(tenant_id, link["id"], 7)  # one address
                    visit.visitor_id = f"{process}{n:019d}"
                    await recorder.record(visit)
                await asyncio.wait_for(recorder.settled(), 10)
            finally:
                await recorder.close()
    finally:
        await db.dispose()
    reasons = [row.bot_reason for row in clicks_of(owner_engine, link["id"])]
    assert reasons == [None] * 10 + ["rate"] * 2


def test_a_process_flags_an_address_clicking_a_link_too_often_itself() -> None:
    watch = RateWatch(RateRule(limit=3, window=dt.timedelta(seconds=60)), max_pairs=2)
    link, other_link = uuid.uuid4(), uuid.uuid4()
    address, other_address = b"\x01" * 16, b"\x02" * 16

    def clicks_at(*times: float) -> list[bool]:
        return [watch.too_fast(link, address, t) for t in times]

    assert clicks_at(0.0, 1.0, 2.0, 3.0, 4.0) == [False, False, False, True, True]
    assert not watch.too_fast(other_link, address, 5.0)  # another link
    # a third pair in this window is not watched (PostgreSQL's probe decides)
    assert [watch.too_fast(link, other_address, 6.0) for _ in range(5)] == [False] * 5
    # a window later (the pairs carried over): the clicks at 2, 3 and 4 s have left it
    assert clicks_at(64.5, 64.6, 64.7, 64.8) == [False, False, False, True]


async def test_a_visitor_is_unique_once_per_link_and_day(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    link = await live_link(program)
    other = await live_link(program)
    fan = make_client()
    await _visit(fan, f"/r/{link['code']}")
    await _visit(fan, f"/r/{link['code']}")  # the same cookie
    fan.cookies.clear()
    await _visit(fan, f"/r/{link['code']}")  # no cookie: the same address and browser
    await _visit(fan, f"/r/{other['code']}")  # another link
    await _visit(make_client(), f"/r/{link['code']}")  # someone else
    assert [r.is_unique for r in clicks_of(owner_engine, link["id"])] == [True, False, False, True]
    assert [r.is_unique for r in clicks_of(owner_engine, other["id"])] == [True]


async def test_concurrent_clicks_share_commits_and_none_is_lost(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    import asyncio

    link = await live_link(program)
    answers = await asyncio.gather(
        *(_visit(make_client(), f"/r/{link['code']}") for _ in range(60))
    )
    ids = {parse_qs(urlsplit(r.headers["location"]).query)["bnx_cid"][0] for r in answers}
    rows = clicks_of(owner_engine, link["id"])
    assert {r.id.hex for r in rows} == ids
    with owner_engine.connect() as conn:
        commits = conn.execute(
            text("SELECT count(DISTINCT xmin::text) FROM clicks WHERE link_id = :l"),
            {"l": link["id"]},
        ).scalar_one()
    assert commits < 60  # group commit


async def test_address_hashes_change_with_the_daily_salt_and_old_salts_are_deleted(
    db_urls: DatabaseUrls, owner_engine: Engine
) -> None:
    visit = Visit(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        link_id=uuid.uuid4(),
        at=dt.datetime.now(dt.UTC),
        ip="203.0.113.9",
        visitor_id="0123456789abcdef0123",
        user_agent=BROWSER,
        referrer=None,
        country=None,
        bot_reason=None,
    )
    assert hashes(visit, b"a" * 32)[0] != hashes(visit, b"b" * 32)[0]
    old_day = dt.date(2020, 1, 1)
    with owner_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO click_salts (day, salt) VALUES (:d, :s) ON CONFLICT DO NOTHING"),
            {"d": old_day, "s": b"x" * 32},
        )
    db = Database(db_urls.app, pool_size=1)
    try:
        salts = Salts(db)
        now = dt.datetime.now(dt.UTC)
        first = await salts.today(now)
        assert await Salts(db).today(now) == first  # every process agrees
    finally:
        await db.dispose()
    with owner_engine.connect() as conn:
        days = conn.execute(text("SELECT day FROM click_salts")).scalars().all()
    assert old_day not in days


async def test_cached_links_follow_a_pause_within_the_cache_time(
    program: Program, db_urls: DatabaseUrls, settings: Settings
) -> None:
    link = await live_link(program)
    db = Database(db_urls.app, pool_size=1)
    try:
        cached = redirect.LinkResolver(db, settings.model_copy(update={"link_cache_seconds": 60}))
        fresh = redirect.LinkResolver(db, settings)  # 0: reads every time
        first = await cached.resolve(link["code"])
        assert first is not None
        assert first.live
        a = program.affiliate
        await a.client.patch(
            f"/api/v1/links/{link['id']}", json={"status": "paused"}, headers=a.headers
        )
        again = await cached.resolve(link["code"])
        now = await fresh.resolve(link["code"])
        assert again is not None
        assert again.live  # still within its 60 s
        assert now is not None
        assert not now.live
    finally:
        await db.dispose()


def test_country_comes_from_the_proxy_header_else_from_the_address_offline() -> None:
    def headers(**given: str) -> dict[str, str]:
        raw = [(k.lower().encode(), v.encode()) for k, v in given.items()]
        scope = {"type": "http", "method": "GET", "path": "/", "headers": raw}
        return redirect.Arrival.of(scope, header).headers

    # behind a trusted proxy: its header, whatever the (proxy's) address
    header = "CF-IPCountry"
    assert redirect._country(headers(**{header: "se"}), header, "81.2.69.142") == "SE"
    assert redirect._country(headers(**{header: "XX"}), header, "81.2.69.142") is None
    assert redirect._country(headers(), header, "81.2.69.142") is None
    # facing visitors directly: the registry's country of the address, IPv4 or IPv6
    assert redirect._country(headers(**{header: "SE"}), None, "81.2.69.142") == "GB"
    assert redirect._country(headers(), None, "2001:4860:4860::8888") == "US"
    for unknown in ("127.0.0.1", "10.1.2.3", "", "not-an-address"):
        assert redirect._country(headers(), None, unknown) is None


async def test_clients_clicking_again_at_once_are_never_left_waiting(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    """Each client records its next click as soon as its last one is durable, coming back after
    a different number of turns of the event loop: every click is written and nobody is left
    waiting for a write that never comes."""
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=2)
    recorder = ClickRecorder(db, tmp_path, in_flight=1)

    async def client(n: int) -> None:
        for _ in range(15):
            for _ in range(n % 4):  # come back after 0-3 turns of the loop: one lands in the gap
                await asyncio.sleep(0)
            await recorder.record(browser_visit(tenant_id, link["id"], n))

    try:
        await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(8))), timeout=30)
    finally:
        await recorder.close()
        await db.dispose()
    assert len(clicks_of(owner_engine, link["id"])) == 8 * 15


async def test_a_click_keeps_the_country_of_its_address_and_not_the_address(
    program: Program, app: FastAPI, owner_engine: Engine
) -> None:
    link = await live_link(program)
    transport = httpx.ASGITransport(app=app, client=("81.2.69.142", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
        assert (await _visit(visitor, f"/r/{link['code']}")).status_code == 302
    await app.state.clicks.settled()
    with owner_engine.connect() as conn:
        row = conn.execute(
            text("SELECT country, ip_hash FROM clicks WHERE link_id = :l"), {"l": link["id"]}
        ).one()
    assert row.country == "GB"
    assert b"81.2.69.142" not in bytes(row.ip_hash)


async def test_redirects_keep_the_request_context_and_other_methods_are_refused(
    program: Program, make_client: ClientFactory
) -> None:
    """Redirects are answered ahead of the API's routing (`RedirectsFirst`), inside the same
    request context as every other answer: the request id, and no document policies (a
    browser renders no redirect)."""
    link = await live_link(program)
    client = make_client()
    r = await _visit(client, f"/r/{link['code']}", **{"x-request-id": "trace-42"})
    assert r.status_code == 302
    assert r.headers["x-request-id"] == "trace-42"
    assert set(r.headers) == {
        "location",
        "cache-control",
        "referrer-policy",
        "content-length",
        "set-cookie",
        "x-request-id",
    }
    # the redirect's own policy, once (the vendor's page sees where the visit came from)
    assert r.headers.get_list("referrer-policy") == ["no-referrer-when-downgrade"]
    r = await client.post(f"/r/{link['code']}")
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await _visit(client, f"/r/{link['code']}/too/deep")  # no link path: the app's page
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]  # a document


async def test_a_redirect_that_fails_is_logged_and_answered_500_and_the_router_also_redirects(
    program: Program, make_client: ClientFactory, app: FastAPI, monkeypatch: Any
) -> None:
    link = await live_link(program)

    async def broken(*key: str) -> None:
        raise RuntimeError("database unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(app.state.links, "resolve", broken)
        r = await _visit(make_client(), f"/r/{link['code']}", **{"x-request-id": "trace-500"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-request-id"] == "trace-500"
    assert r.headers["x-content-type-options"] == "nosniff"  # a body: the policies apply

    # the router's own route for the same path (an app without RedirectsFirst in front)
    async def router_only(scope: Any, receive: Any, send: Any) -> None:
        await app.router({**scope, "app": app}, receive, send)

    transport = httpx.ASGITransport(app=router_only)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as router:
        r = await _visit(router, f"/r/{link['code']}")
    assert r.status_code == 302
    assert "bnx_cid=" in r.headers["location"]
