"""While the database cannot be reached, a link resolves to what its process last read (within
the age bound), an unknown code to nothing, and visitors' addresses are still hashed across
midnight; once the database is back, links are read afresh. (The whole server through a 30 s
outage: test_outage.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking.service.redirect import LinkResolver
from bitnexus.tracking.visitors import Salts
from tests.cuttable import CuttableWay
from tests.factories import Program
from tests.tracking.support import live_link


@pytest.fixture
async def way(db_urls: DatabaseUrls) -> AsyncIterator[CuttableWay]:
    """The runtime role's way to the test database, which the test may cut."""
    cuttable = CuttableWay(db_urls.app)
    await cuttable.mend()
    yield cuttable
    await cuttable.cut()


@pytest.fixture
async def db(way: CuttableWay) -> AsyncIterator[Database]:
    database = Database(way.url, pool_size=2)
    yield database
    await database.dispose()


@pytest.mark.parametrize(
    ("outage_seconds", "cache_seconds", "answered"),
    [(86_400, 0, True), (86_400, 60, True), (0, 0, False)],
    ids=["uncached", "cached", "too-old"],
)
async def test_a_link_resolves_as_last_read_while_the_database_is_cut(
    program: Program,
    settings: Settings,
    way: CuttableWay,
    db: Database,
    outage_seconds: float,
    cache_seconds: float,
    answered: bool,
) -> None:
    # given: a link this process has read
    link = await live_link(program)
    resolver = LinkResolver(
        db,
        settings.model_copy(
            update={"link_outage_seconds": outage_seconds, "link_cache_seconds": cache_seconds}
        ),
    )
    read = await resolver.resolve(link["code"])
    assert read is not None

    # when: the database cannot be reached and the link is looked up again (a change elsewhere
    # made this process forget what it had cached)
    await way.cut()
    await resolver.forget()
    during = await resolver.resolve(link["code"])
    unknown = await resolver.resolve("NoSuchCode12")

    # then: the last read target (if young enough), and nothing for an unknown code
    assert during == (read if answered else None)
    assert unknown is None


async def test_links_are_read_afresh_once_the_database_is_back(
    program: Program, settings: Settings, way: CuttableWay, db: Database
) -> None:
    # given: a link read, then an outage answered from what was read
    link = await live_link(program)
    resolver = LinkResolver(db, settings)  # (no cache: reads every time)
    assert (await resolver.resolve(link["code"])) is not None
    await way.cut()
    during = await resolver.resolve(link["code"])
    assert during is not None
    assert during.live

    # when: the database is back and the link is paused
    await way.mend()
    a = program.affiliate
    r = await a.client.patch(
        f"/api/v1/links/{link['id']}", json={"status": "paused"}, headers=a.headers
    )
    assert r.status_code == 200, r.text

    # then: the pause takes effect
    after = await resolver.resolve(link["code"])
    assert after is not None
    assert not after.live


async def test_clicks_after_midnight_are_hashed_while_the_database_is_cut(
    way: CuttableWay, db: Database, db_urls: DatabaseUrls
) -> None:
    # given: a process that read today's salt, late in the (UTC) day
    late = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(23, 59, 59), dt.UTC)
    salts = Salts(db)
    await salts.today(late)

    # when: the database cannot be reached and midnight passes
    await way.cut()
    after_midnight = late + dt.timedelta(seconds=2)
    salt = await salts.today(after_midnight)

    # then: the next day's salt, the one every process hashes with
    other = Database(db_urls.app, pool_size=1)
    try:
        assert salt == await Salts(other).today(after_midnight)
    finally:
        await other.dispose()
