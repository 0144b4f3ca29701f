"""With Redis, the link cache is shared between processes: a process answers from what another
read, behind its own in-process cache, and a paused link still stops within the cache time.
Without Redis, or while it is gone, each process reads the database itself."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.redis import Shared
from bitnexus.tracking.service.redirect import LinkResolver, Target
from tests.factories import Program
from tests.redis_server import RedisServer
from tests.tracking.support import live_link
from tests.waiting import eventually


class Counting(LinkResolver):
    """A process's resolver that counts its reads of the database."""

    reads = 0

    async def _load(self, key: tuple[str, ...]) -> Target | None:
        self.reads += 1
        return await super()._load(key)


@pytest.fixture
async def shared(redis_url: str) -> AsyncIterator[list[Shared]]:
    """Each process's own connections to the one Redis."""
    made = [Shared(redis_url, retry_seconds=0.2) for _ in range(3)]
    yield made
    for one in made:
        await one.close()


def _resolvers(
    db: Database, settings: Settings, shared: list[Shared], seconds: float
) -> list[Counting]:
    cached = settings.model_copy(update={"link_cache_seconds": seconds})
    return [Counting(db, cached, one) for one in shared]


async def test_a_process_answers_from_what_another_read(
    program: Program, settings: Settings, db: Database, shared: list[Shared]
) -> None:
    # given a link process A has read
    link = await live_link(program)
    a, b, _ = _resolvers(db, settings, shared, 60)
    read = await a.resolve(link["code"])

    # when process B is asked for it, twice, and for an unknown code
    first, again = await b.resolve(link["code"]), await b.resolve(link["code"])
    await a.resolve("NoSuchCode12")
    unknown = await b.resolve("NoSuchCode12")

    # then B answers as A read it without reading the database itself, and the second time
    # from its own cache
    assert read is not None
    assert read.live
    assert first == again == read
    assert unknown is None
    assert (a.reads, b.reads) == (2, 0)


async def test_a_paused_link_stops_at_once_where_paused_and_elsewhere_within_the_cache_time(
    program: Program, settings: Settings, db: Database, shared: list[Shared]
) -> None:
    # given a live link every process has read, with a cache time of 2 s
    cache_seconds = 2.0
    link = await live_link(program)
    a, b, c = _resolvers(db, settings, shared, cache_seconds)
    for resolver in (a, b, c):
        target = await resolver.resolve(link["code"])
        assert target is not None
        assert target.live

    # when it is paused through process A (which forgets what it had read)
    paused_at = time.monotonic()
    r = await program.affiliate.client.patch(
        f"/api/v1/links/{link['id']}", json={"status": "paused"}, headers=program.affiliate.headers
    )
    assert r.status_code == 200, r.text
    await a.forget()

    # then A stops at once, and B and C within the cache time
    now = await a.resolve(link["code"])
    assert now is not None
    assert not now.live

    async def stopped_everywhere() -> bool:
        answers = [await r.resolve(link["code"]) for r in (b, c)]
        return all(t is not None and not t.live for t in answers)

    await eventually(stopped_everywhere, "B and C send visitors to the fallback page")
    assert time.monotonic() - paused_at <= cache_seconds + 1.0


async def test_a_process_never_trusts_a_shared_read_past_the_cache_time(
    program: Program, settings: Settings, db: Database, shared: list[Shared]
) -> None:
    # given a link A read and B took from Redis later, then paused without A or B forgetting
    cache_seconds = 2.0
    link = await live_link(program)
    a, b, _ = _resolvers(db, settings, shared, cache_seconds)
    await a.resolve(link["code"])
    read_at = time.monotonic()
    r = await program.affiliate.client.patch(
        f"/api/v1/links/{link['id']}", json={"status": "paused"}, headers=program.affiliate.headers
    )
    assert r.status_code == 200, r.text
    taken = await b.resolve(link["code"])
    assert taken is not None

    # when B asks again until it answers the pause
    async def paused() -> bool:
        target = await b.resolve(link["code"])
        return target is not None and not target.live

    await eventually(paused, "B sends visitors to the fallback page")

    # then it did within the cache time of A's read, not of its own
    assert time.monotonic() - read_at <= cache_seconds + 1.0


async def test_links_resolve_from_the_database_while_redis_is_gone(
    program: Program,
    settings: Settings,
    db: Database,
    shared: list[Shared],
    redis_server: RedisServer,
) -> None:
    # given
    link = await live_link(program)
    a, b, _ = _resolvers(db, settings, shared, 60)
    await a.resolve(link["code"])

    # when Redis stops
    redis_server.stop()
    target = await b.resolve(link["code"])

    # then B reads the link itself, without an error
    assert target is not None
    assert target.live
    assert b.reads == 1


async def test_without_redis_each_process_reads_for_itself(
    program: Program, settings: Settings, db: Database
) -> None:
    link = await live_link(program)
    cached = settings.model_copy(update={"link_cache_seconds": 60})
    a, b = Counting(db, cached, Shared(None)), Counting(db, cached)

    await a.resolve(link["code"])
    await b.resolve(link["code"])

    assert (a.reads, b.reads) == (1, 1)
