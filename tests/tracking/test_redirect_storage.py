"""How clicks are stored: each under its own tenant, whatever a batch mixes; their link and
tenant kept without foreign keys; a new click's probes cheap however busy its link."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.tracking import repository
from bitnexus.tracking.recorder import ClickRecorder, codec
from bitnexus.tracking.rules import RATE, UNIQUE
from bitnexus.tracking.visitors import hashes
from tests.conftest import ClientFactory
from tests.factories import Program, new_program
from tests.tracking.support import browser_visit, clicks_of, live_link, tenant_of


async def test_a_batch_of_several_tenants_clicks_writes_each_under_its_own_tenant(
    program: Program,
    make_client: ClientFactory,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    """One connection (a single flush slot) switches its tenant setting between the tenants of
    a batch; RLS would refuse a click written under another tenant's."""
    other = await new_program(make_client)
    links = [await live_link(program), await live_link(other)]
    tenants = [tenant_of(owner_engine, link) for link in links]
    db = Database(db_urls.app, pool_size=2)
    recorder = ClickRecorder(db, tmp_path, in_flight=1)
    visits = [browser_visit(tenants[n % 2], links[n % 2]["id"], n) for n in range(10)]
    try:
        await asyncio.wait_for(asyncio.gather(*(recorder.record(v) for v in visits)), timeout=30)
    finally:
        await recorder.close()
        await db.dispose()
    assert [len(clicks_of(owner_engine, link["id"])) for link in links] == [5, 5]


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("DELETE FROM links WHERE id = :link", "permission denied"),
        ("DELETE FROM tenants WHERE id = :tenant", "permission denied"),
        ("UPDATE links SET id = gen_random_uuid() WHERE id = :link", "never changes"),
        ("UPDATE tenants SET id = gen_random_uuid() WHERE id = :tenant", "never changes"),
    ],
)
async def test_a_clicks_link_and_tenant_can_neither_go_nor_change_their_keys(
    program: Program, app_engine: Engine, owner_engine: Engine, statement: str, refused: str
) -> None:
    """Clicks keep their link and tenant without foreign keys (migration 0026): the runtime
    role deletes neither and changes neither's key; other edits of a link go through."""
    link = await live_link(program)
    ids = {"link": link["id"], "tenant": str(tenant_of(owner_engine, link))}

    def as_the_app() -> int:
        with pytest.raises(DBAPIError, match=refused), app_engine.begin() as conn:
            conn.execute(text("SELECT set_config('bitnexus.tenant_id', :tenant, true)"), ids)
            conn.execute(text(statement), ids)
        with app_engine.begin() as conn:
            conn.execute(text("SELECT set_config('bitnexus.tenant_id', :tenant, true)"), ids)
            return conn.execute(
                text("UPDATE links SET id = id, utm_term = 'kept' WHERE id = :link"), ids
            ).rowcount

    # on a thread: the statements may wait for a lock the app's background work (on this
    # event loop) holds on the tenant's row until it commits, which it could not while waited on
    edited = await asyncio.to_thread(as_the_app)
    assert edited == 1


async def test_a_new_clicks_probes_read_little_however_many_clicks_its_link_has(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine
) -> None:
    """The `rate` and unique probes of new clicks read a handful of index entries each, not the
    link's day of clicks: 30,000 clicks from one address on one link (the table's statistics
    gathered before the link took off), then 20 more, planned for their own values (as the
    recorder plans them) and generically."""
    import asyncpg

    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    with owner_engine.connect() as conn:
        conn.execute(text("ANALYZE clicks"))  # statistics without this link's clicks
        conn.commit()
    salt = b"s" * 32
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=12)

    def batch(first: int, n: int) -> list[bytes]:
        visits = [
            dataclasses.replace(
                browser_visit(tenant_id, link["id"], 7),
                visitor_id=f"{first + i:020d}",
                at=start + dt.timedelta(seconds=(first + i) / 1000),
            )
            for i in range(n)
        ]
        return [codec.encode((v, *hashes(v, salt))) for v in visits]

    conn = await asyncpg.connect(libpq(db_urls.app))
    try:
        await conn.execute("SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id))
        args = {"rate": RATE, "unique": UNIQUE}
        for first in range(0, 30_000, 3_000):
            await repository.insert_clicks(conn, tenant_id, b"".join(batch(first, 3_000)), **args)
    finally:
        await conn.close()
    new = batch(30_000, 40)
    for mode, first in (("force_custom_plan", 0), ("force_generic_plan", 20)):
        lines = b"".join(new[first : first + 20]).decode()
        plan = _explained(
            db_urls,
            tenant_id,
            mode,
            [tenant_id, lines, RATE.limit, RATE.window, UNIQUE.window, None],
        )
        read = plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
        filtered = sum(
            node.get("Rows Removed by Filter", 0) * node["Actual Loops"]
            for node in _nodes(plan["Plan"])
            if node.get("Relation Name") == "clicks"
        )
        shown = f"{mode}: {filtered} rows filtered out, {read} buffers read\n"
        assert filtered <= 20, shown + json.dumps(plan, indent=1)
        assert read < 20 * 80, shown + json.dumps(plan, indent=1)  # a day's scan reads thousands


def _explained(
    db_urls: DatabaseUrls, tenant_id: uuid.UUID, mode: str, args: Sequence[Any]
) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the click insert as a prepared statement planned in `mode`."""
    with psycopg.connect(libpq(db_urls.app), autocommit=True) as conn:
        cur = psycopg.ClientCursor(conn)
        cur.execute("SELECT set_config('bitnexus.tenant_id', %s, false)", (str(tenant_id),))
        cur.execute(f"SET plan_cache_mode = {mode}")
        cur.execute("PREPARE insert_clicks AS " + repository.INSERT_CLICKS)
        placeholders = ", ".join(["%s"] * len(args))
        cur.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE insert_clicks({placeholders})", args
        )
        row = cur.fetchone()
        assert row is not None
        plan: dict[str, Any] = row[0][0]
        return plan


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)
