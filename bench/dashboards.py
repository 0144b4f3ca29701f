"""Dashboard latency with 1,000,000 clicks and 50,000 conversions in the tenant: p50/p95 of
the affiliate, vendor and admin dashboards (30-day range) through the API, next to a raw
asyncpg count of the same clicks as the floor. Target: p95 <= 200 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid

import asyncpg
import httpx

from bench.data import PASSWORD, bench_dir
from bench.redirect import BenchProgram, seed_program
from bench.server import bench_env, bitnexus_server
from bitnexus.accounts.models import Role
from bitnexus.accounts.service.registration import create_user
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.dburl import libpq
from bitnexus.tenants import service as tenants
from bitnexus.tracking import rollups
from bitnexus.tracking.models import Link
from bitnexus.tracking.service.links import new_code

CLICKS = int(os.environ.get("BENCH_DASHBOARD_CLICKS", "1000000"))
CONVERSIONS = int(os.environ.get("BENCH_DASHBOARD_CONVERSIONS", "50000"))
AFFILIATES = 20
SAMPLES = 30


async def _seed(settings: Settings) -> tuple[BenchProgram, float, float]:
    """The program, 19 more affiliates with a link each, an admin; then the clicks,
    conversions and shares in bulk as the owner. Returns the program and the load time."""
    urls = provision.migrate(settings)
    db = Database(urls.app, pool_size=1)
    try:
        program = await seed_program(db, referred=True)
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, program.tenant_id)
            tenant = await tenants.current(session, program.tenant_id)
            await create_user(
                session, tenant, email="admin@bench.example", name="Admin", password=PASSWORD,
                role=Role.tenant_admin,
            )  # fmt: skip
            for n in range(AFFILIATES - 1):
                who = await create_user(
                    session, tenant, email=f"a{n}@bench.example", name=f"Affiliate {n}",
                    password=PASSWORD, role=Role.affiliate,
                )  # fmt: skip
                now = utcnow()
                session.add(
                    Link(
                        id=uuid.uuid4(), tenant_id=tenant.id, affiliate_id=who.id,
                        product_id=program.product_id, code=new_code(),
                        destination="https://shop.example/landing", sub_ids=[], status="active",
                        created_at=now, updated_at=now,
                    )
                )  # fmt: skip
    finally:
        await db.dispose()
    started = time.perf_counter()
    conn = await asyncpg.connect(libpq(urls.owner))
    try:
        await conn.execute(_LOAD, program.tenant_id, CLICKS, CONVERSIONS)
        await conn.execute("ANALYZE clicks; ANALYZE conversions; ANALYZE commissions")
    finally:
        await conn.close()
    loaded = time.perf_counter() - started
    db = Database(urls.app, pool_size=1)
    started = time.perf_counter()
    try:
        await rollups.roll_up(db)  # what the server's rollup job does every minute
    finally:
        await db.dispose()
    return program, loaded, time.perf_counter() - started


_LOAD = """
WITH links AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(affiliate_id ORDER BY id) AS affs,
           min(product_id::text)::uuid AS product
    FROM links WHERE tenant_id = $1
), made AS (
    INSERT INTO clicks (id, tenant_id, link_id, affiliate_id, product_id, created_at, ip_hash,
                        visitor_hash, user_agent, is_bot, bot_reason, is_unique)
    SELECT gen_random_uuid(), $1, l.ids[1 + i % cardinality(l.ids)],
           l.affs[1 + i % cardinality(l.ids)], l.product,
           now() - (i::float8 / $2) * interval '30 days',
           substring(sha256(('ip' || (i % 50000))::bytea) from 1 for 16),
           substring(sha256(('v' || (i % 200000))::bytea) from 1 for 16),
           'Mozilla/5.0 bench', i % 20 = 0, CASE WHEN i % 20 = 0 THEN 'user_agent' END,
           i % 20 <> 0 AND i % 3 = 0
    FROM links l, generate_series(1, $2) AS i
    RETURNING id, link_id, affiliate_id, product_id, created_at, ip_hash
), sold AS (
    INSERT INTO conversions (id, tenant_id, vendor_id, order_id, amount_minor, currency,
                             product_id, click_id, link_id, affiliate_id, attribution, state, source,
                             digest, ip_hash, commission_bps, fee_bps, override_bps, pool_minor,
                             created_at, matures_at)
    SELECT gen_random_uuid(), $1, p.vendor_id, 'order-' || row_number() OVER (), 10000, 'USD',
           m.product_id, m.id, m.link_id, m.affiliate_id, 'click', 'pending', 'api', '\\x00'::bytea,
           m.ip_hash, 2000, 1000, '{1000}', 2000, m.created_at + interval '5 minutes',
           m.created_at + interval '30 days'
    FROM (SELECT * FROM made ORDER BY id LIMIT $3) m JOIN products p ON p.id = m.product_id
    RETURNING id, affiliate_id, created_at, vendor_id, product_id, link_id
)
INSERT INTO commissions (id, tenant_id, conversion_id, beneficiary_id, kind, level,
                         amount_minor, currency, state, created_at, updated_at, vendor_id,
                         product_id, link_id)
SELECT gen_random_uuid(), $1, s.id, share.who, share.kind, share.level, share.amount, 'USD',
       'pending', s.created_at, s.created_at, s.vendor_id, s.product_id, s.link_id
FROM sold s
CROSS JOIN LATERAL (VALUES
    (s.affiliate_id, 'affiliate', 0, 1600),
    ((SELECT referred_by_id FROM users WHERE id = s.affiliate_id), 'override', 1, 200),
    (NULL::uuid, 'platform_fee', 0, 200)
) AS share(who, kind, level, amount)
WHERE share.kind <> 'override' OR share.who IS NOT NULL
"""


async def _login(client: httpx.AsyncClient, slug: str, email: str) -> str:
    r = await client.post(
        "/api/v1/auth/login", json={"organisation": slug, "email": email, "password": PASSWORD}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


async def _measure(base: str, slug: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for role, email in (
            ("affiliate", "affiliate@bench.example"),
            ("vendor", "vendor@bench.example"),
            ("admin", "admin@bench.example"),
        ):
            headers = {"Authorization": f"Bearer {await _login(client, slug, email)}"}
            times = []
            for n in range(SAMPLES + 3):
                started = time.perf_counter()
                r = await client.get(f"/api/v1/dashboards/{role}", headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                r.raise_for_status()
                if n >= 3:
                    times.append(elapsed)
            out[role] = times
    return out


async def _floor(dsn: str, tenant_id: uuid.UUID) -> list[float]:
    conn = await asyncpg.connect(dsn)
    try:
        times = []
        for n in range(SAMPLES + 3):
            started = time.perf_counter()
            await conn.fetchval(
                "SELECT count(*) FROM clicks WHERE tenant_id = $1"
                " AND created_at >= now() - interval '30 days'",
                tenant_id,
            )
            if n >= 3:
                times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        await conn.close()


async def _slug(dsn: str, tenant_id: uuid.UUID) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.fetchval("SELECT slug FROM tenants WHERE id = $1", tenant_id))
    finally:
        await conn.close()


def run() -> str:
    with bench_dir("dashboards") as tmp:
        env = bench_env(tmp)
        os.environ.update(env)
        settings = Settings()
        program, load_s, rollup_s = asyncio.run(_seed(settings))
        owner = libpq(provision.database_urls(settings).owner)
        slug = asyncio.run(_slug(owner, program.tenant_id))
        with bitnexus_server(env) as base:
            measured = asyncio.run(_measure(base, slug))
        floor = asyncio.run(_floor(owner, program.tenant_id))
    return _report(measured, floor, load_s, rollup_s)


def _report(
    measured: dict[str, list[float]], floor: list[float], load_s: float, rollup_s: float
) -> str:
    rows = "".join(
        f"| {role} dashboard (API, 30 days) | {_p(t, 50):.0f} | {_p(t, 95):.0f} | "
        f"{_p(t, 95) / _p(floor, 95):.1f}x | {'meets' if _p(t, 95) <= 200 else 'misses'} |\n"
        for role, t in measured.items()
    )
    return (
        f"## Dashboards — {CLICKS:,} clicks, {CONVERSIONS:,} conversions in the tenant\n\n"
        f"{AFFILIATES} affiliates with a link each (the measured affiliate has 1/{AFFILIATES} of "
        "the clicks; the vendor and the admin see all of them), spread over 30 days, 5% bots, "
        f"each conversion with three shares; loaded in bulk in {load_s:.0f} s and analyzed, then "
        f"rolled up into hourly counts per link in {rollup_s:.1f} s (the server's rollup job; "
        "dashboards read settled hours from the rollups and the last hour or so from the "
        "clicks themselves). Sales and shares are summed from their rows: one scan of each "
        "table per dashboard, every grouping at once (GROUPING SETS, hashed), shares carrying "
        "their sale's product and link so no join is needed, and the tenant policy reading the "
        "tenant setting once per query rather than once per row. The vendor's and the admin's "
        "dashboards run their three big reads (sales, shares, clicks) side by side, each on a "
        "connection of its own. "
        f"{SAMPLES} sequential requests each after 3 warm-ups, one uvicorn process.\n\n"
        "| query | p50 ms | p95 ms | p95 vs floor | target p95 ≤ 200 ms |\n|---|---:|---:|---:|---|\n"
        f"{rows}"
        f"| floor: raw asyncpg count of the tenant's clicks in 30 days | {_p(floor, 50):.0f} | "
        f"{_p(floor, 95):.0f} | 1.0x | — |\n"
    )
