"""The clicks' write-ahead file: segments a live process holds are left alone; those of a dead
one are replayed into PostgreSQL (a torn last line skipped) and deleted."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from asyncpg.pgproto import pgproto
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.ids import uuid7, uuid7_time
from bitnexus.tracking.recorder import ClickRecorder, codec, quarantine, spool
from tests.factories import Program
from tests.tracking.support import browser_visit, live_link, stored_clicks, tenant_of


async def _postgresql_down(rows: Sequence[codec.Line]) -> None:
    """The recorder's `_save` while PostgreSQL is unreachable."""
    raise ConnectionError("PostgreSQL is down")


def test_a_held_segment_is_nobodys_orphan_and_a_released_one_is(tmp_path: Path) -> None:
    held, left = spool.create(tmp_path), spool.create(tmp_path)
    left.write(b"x\n")
    left.release()
    try:
        [orphan] = list(spool.orphans(tmp_path))
        assert orphan.path == left.path
        assert list(spool.orphans(tmp_path)) == []  # this caller holds it now
        orphan.delete()
        assert not left.path.exists()
        assert [p.name for p in tmp_path.iterdir()] == [held.path.name]
    finally:
        held.delete()


@pytest.mark.parametrize("ids", [uuid.UUID, pgproto.UUID], ids=["uuid", "asyncpg-uuid"])
def test_a_click_line_keeps_everything_but_the_address(ids: Callable[[str], uuid.UUID]) -> None:
    # given a click whose tenant and link ids may come straight from a database row
    visit = browser_visit(uuid.uuid4(), str(uuid.uuid4()), 9)
    visit.tenant_id, visit.link_id = ids(str(uuid.uuid4())), ids(str(uuid.uuid4()))
    row = (visit, b"\x01" * 16, b"\x02" * 16)

    # when it is written as a line and read back
    line = codec.encode(row)
    again, ip_hash, visitor_hash = codec.decode(line)

    # then all but the address is kept
    assert visit.ip.encode() not in line
    assert (ip_hash, visitor_hash) == (b"\x01" * 16, b"\x02" * 16)
    assert (again.id, again.tenant_id, again.link_id, again.at, again.user_agent) == (
        visit.id,
        visit.tenant_id,
        visit.link_id,
        visit.at,
        visit.user_agent,
    )
    assert again.ip == ""


def test_a_click_line_refuses_what_is_no_part_of_a_click() -> None:
    visit = browser_visit(uuid.uuid4(), str(uuid.uuid4()), 9)
    visit.referrer = object()  # type: ignore[assignment]
    with pytest.raises(TypeError):
        codec.encode((visit, b"\x01" * 16, b"\x02" * 16))


def test_click_ids_are_time_ordered_uuid7s() -> None:
    first, second = uuid7(), uuid7()
    assert (first.version, first.variant) == (7, uuid.RFC_4122)
    assert first != second
    made = uuid7_time(first)
    assert made is not None
    assert uuid7_time(uuid.uuid4()) is None


async def test_a_dead_processs_clicks_are_replayed_once_and_its_segment_deleted(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    rows = [
        (browser_visit(tenant_id, link["id"], n), b"\x03" * 16, bytes([n]) * 16) for n in range(5)
    ]
    dead = spool.create(tmp_path)
    dead.write(b"".join(codec.encode(r) for r in rows) + b'["torn by the crash')
    dead.release()
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path)
    try:
        assert await recorder.recover() == 5
        assert await recorder.recover() == 0
    finally:
        await recorder.close()
        await db.dispose()
    assert list(tmp_path.glob("*.spool")) == []  # noqa: ASYNC240
    assert stored_clicks(owner_engine, link) == {r[0].id for r in rows}


async def test_while_postgresql_is_down_clicks_pile_up_on_disk_not_in_memory(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redirects are still answered; past `max_unsaved` waiting clicks the recorder lets go of
    their segments (memory stays bounded) and `recover` stores them once PostgreSQL is back."""
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, max_unsaved=10, recover_seconds=3600)
    save, down = recorder._save, True

    async def save_unless_down(rows: Sequence[codec.Line]) -> list[quarantine.Refusal]:
        if down:
            await _postgresql_down(rows)
        return await save(rows)

    monkeypatch.setattr(recorder, "_save", save_unless_down)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(40)]
    try:
        for first in range(0, 40, 8):  # every redirect answered, PostgreSQL or not
            await asyncio.wait_for(
                asyncio.gather(*(recorder.record(v) for v in visits[first : first + 8])), 10
            )
        down = False
        assert await recorder.recover() >= 30  # left on disk, not held in memory
        await asyncio.wait_for(recorder.settled(), 10)
    finally:
        await recorder.close()
        await db.dispose()
    assert stored_clicks(owner_engine, link) == {v.id for v in visits}


async def test_a_replay_that_fails_leaves_every_dead_segment_for_the_next_try(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    for first in (0, 3):  # two dead processes' segments, three clicks each
        dead = spool.create(tmp_path)
        rows = [browser_visit(tenant_id, link["id"], n) for n in range(first, first + 3)]
        dead.write(b"".join(codec.encode((v, b"\x04" * 16, b"\x05" * 16)) for v in rows))
        dead.release()
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path)
    save = recorder._save

    try:
        monkeypatch.setattr(recorder, "_save", _postgresql_down)
        with pytest.raises(ConnectionError):
            await recorder.recover()
        monkeypatch.setattr(recorder, "_save", save)
        assert await recorder.recover() == 6  # neither segment is still held by the failed try
    finally:
        await recorder.close()
        await db.dispose()


def test_a_segment_is_read_whole_lines_across_a_torn_group_and_its_zeros(tmp_path: Path) -> None:
    """A segment is zeros past its last group; a crash can tear the last group."""
    segment = spool.create(tmp_path, capacity=4096)
    segment.write(b'["a"]\n["b"]\n')
    segment.write(b'["c", "torn')
    segment.release()
    assert spool.lines(segment.path) == [b'["a"]', b'["b"]', b'["c", "torn']
    assert segment.path.stat().st_size == 4096  # made whole first: only data to sync


async def test_an_answered_click_is_in_the_spool_at_once_and_synced_within_the_interval(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`record` returns once its click is written to the segment (the kernel has it, whatever
    becomes of the process), and the segment is fdatasynced soon after, off the loop."""
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, sync_seconds=0.5, recover_seconds=3600)

    synced: list[int] = []
    fdatasync = os.fdatasync

    def counted(fd: int) -> None:
        synced.append(fd)
        fdatasync(fd)

    async def synced_soon(fd: int) -> bool:
        for _ in range(100):
            if fd in synced:
                return True
            await asyncio.sleep(0.05)
        return False

    monkeypatch.setattr(recorder, "_save", _postgresql_down)
    monkeypatch.setattr(os, "fdatasync", counted)
    first, *visits = [browser_visit(tenant_id, link["id"], n) for n in range(6)]
    try:
        await recorder.record(first)  # the day's salt is known from now on: no waiting
        current = recorder._segment
        assert current is not None
        assert await synced_soon(current.fd)
        synced.clear()
        await asyncio.gather(*(recorder.record(v) for v in visits))  # one turn, one write
        written = {codec.decode(line)[0].id for line in spool.lines(current.path)}
        assert written == {v.id for v in [first, *visits]}
        assert synced == []  # answered before their sync ...
        assert await synced_soon(current.fd)  # ... which follows within the interval
    finally:
        monkeypatch.undo()
        await recorder.close()
        await db.dispose()
    assert stored_clicks(owner_engine, link) == {v.id for v in [first, *visits]}  # at close


async def test_full_segments_are_left_for_new_ones_and_deleted_once_postgresql_has_them(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, segment_bytes=4096, recover_seconds=3600)
    recorder.start()  # the first segment is made ahead
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(120)]
    made: set[str] = set()
    try:
        for first in range(0, 120, 10):  # about 3 KB a turn: a new segment every other one
            await asyncio.gather(*(recorder.record(v) for v in visits[first : first + 10]))
            made |= {p.name for p in tmp_path.glob("*.spool")}  # noqa: ASYNC240
            await asyncio.sleep(0.01)  # the next one is made meanwhile
        await asyncio.wait_for(recorder.settled(), 10)
        left = {p.name for p in tmp_path.glob("*.spool")}  # noqa: ASYNC240
        assert len(made) >= 6
        assert len(left) <= 2  # the one being written and the one made ahead
    finally:
        await recorder.close()
        await db.dispose()
    assert list(tmp_path.glob("*.spool")) == []  # noqa: ASYNC240
    assert stored_clicks(owner_engine, link) == {v.id for v in visits}


async def test_a_closed_recorder_refuses_clicks_and_makes_no_segment(
    db_urls: DatabaseUrls, tmp_path: Path
) -> None:
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    await recorder.close()
    try:
        with pytest.raises(RuntimeError, match="closed"):
            await recorder.record(browser_visit(uuid.uuid4(), str(uuid.uuid4()), 1))
    finally:
        await db.dispose()
    assert list(tmp_path.glob("*")) == []  # noqa: ASYNC240
