"""The spool's backlog as the metrics see it: clicks PostgreSQL does not have yet, and how long
the oldest has waited (`bitnexus_click_spool_pending_clicks`, `…_drain_lag_seconds`)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.metrics.exposition import render
from bitnexus.core.metrics.sampler import Sampler
from bitnexus.tracking.recorder import ClickRecorder
from tests.factories import Program
from tests.ops.metrics_support import value
from tests.tracking.support import browser_visit, live_link, tenant_of


def _sampled(db: Database, recorder: ClickRecorder) -> tuple[float, float]:
    Sampler(db.engine, recorder.backlog).sample()
    scraped = render([]).decode()
    return (
        value(scraped, "bitnexus_click_spool_pending_clicks"),
        value(scraped, "bitnexus_click_spool_drain_lag_seconds"),
    )


async def test_clicks_waiting_for_postgresql_are_counted_with_the_oldest_ones_age(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    # given: PostgreSQL refusing every click (a grant missing), and two clicks recorded, the
    # first a minute old
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    old = browser_visit(tenant_id, link["id"], 1)
    old = dataclasses.replace(old, at=old.at - dt.timedelta(minutes=1))
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    grant = f'INSERT ON clicks {{}} "{db_urls.app.username}"'
    try:
        with owner_engine.begin() as conn:
            conn.execute(text("REVOKE " + grant.format("FROM")))
        recorder.start()
        await recorder.record(old)
        await recorder.record(browser_visit(tenant_id, link["id"], 2))

        # when the process samples its metrics: both wait, the oldest for a minute or more
        pending, lag = _sampled(db, recorder)
        assert pending == 2
        assert lag >= 60

        # when PostgreSQL takes clicks again and has them all
        with owner_engine.begin() as conn:
            conn.execute(text("GRANT " + grant.format("TO")))
        await asyncio.wait_for(recorder.settled(), 30)

        # then nothing waits
        assert _sampled(db, recorder) == (0, 0)
    finally:
        with owner_engine.begin() as conn:  # (granted twice is harmless)
            conn.execute(text("GRANT " + grant.format("TO")))
        await recorder.close()
        await db.dispose()
