"""A click that reaches PostgreSQL after its hour was rolled up (a host's spool replayed when it
comes back, a backlog drained after an outage) still counts in the dashboards: it is added to
its hour's rollup as it is stored, once, however the drain and the rollup job interleave."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking import rollups
from bitnexus.tracking.recorder import ClickRecorder
from tests.factories import Program
from tests.tracking.support import browser_visit, live_link, tenant_of


def _rolled_up(owner_engine: Engine, link_id: str) -> int:
    with owner_engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT coalesce(sum(raw), 0) FROM click_hours WHERE link_id = :l"),
                {"l": link_id},
            ).scalar_one()
        )


async def _record(db: Database, spool: Path, tenant: uuid.UUID, link: str, ages: list[int]) -> None:
    """Clicks made `ages` hours ago, stored through a recorder's drain."""
    recorder = ClickRecorder(db, spool)
    recorder.start()
    try:
        for n, hours in enumerate(ages):
            visit = browser_visit(tenant, link, 100 + n)
            visit.at -= dt.timedelta(hours=hours)
            await recorder.record(visit)
        await recorder.settled()
    finally:
        await recorder.close()


@pytest.mark.parametrize("replayed", [False, True], ids=["drained", "replayed"])
async def test_a_click_stored_after_its_hour_was_rolled_up_is_counted_once(
    replayed: bool,
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    # given a link whose clicks of three hours ago are rolled up
    link = await live_link(program)
    tenant = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=2)
    try:
        await _record(db, tmp_path / "a", tenant, link["id"], [3])
        await rollups.roll_up(db)
        assert _rolled_up(owner_engine, link["id"]) == 1

        # when clicks of two hours ago (before the mark) and of now reach PostgreSQL
        if replayed:  # from a dead process's spool, replayed by the next one
            dead = ClickRecorder(db, tmp_path / "b", recover_seconds=3600)
            dead.start()
            dead._save = _unreachable  # type: ignore[method-assign]
            for n in range(2):
                visit = browser_visit(tenant, link["id"], 200 + n)
                visit.at -= dt.timedelta(hours=2)
                await dead.record(visit)
            dead._hand_off()  # its segment let go of, as a dead process's is
            await dead.close()
            assert await ClickRecorder(db, tmp_path / "b").recover() == 2
        else:
            await _record(db, tmp_path / "b", tenant, link["id"], [2, 2])
        await _record(db, tmp_path / "c", tenant, link["id"], [0])

        # then the late ones are in their hour's rollup, the new one is not rolled up yet
        assert _rolled_up(owner_engine, link["id"]) == 3
        # and the next rollup counts nothing twice
        await rollups.roll_up(db)
        assert _rolled_up(owner_engine, link["id"]) == 3
    finally:
        await db.dispose()


async def _unreachable(rows: object) -> None:
    raise ConnectionError("PostgreSQL is down")
