"""The clicks' write-ahead file: segments a live process holds are left alone; those of a dead
one are replayed into PostgreSQL (a torn last line skipped) and deleted."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking.service import clicks, spool, spool_writer
from tests.catalog.support import Program
from tests.tracking.support import browser_visit, live_link, stored_clicks, tenant_of


def test_a_held_segment_is_nobodys_orphan_and_a_released_one_is(tmp_path: Path) -> None:
    held, left = spool.create(tmp_path), spool.create(tmp_path)
    left.append(b"x\n")
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


def test_a_click_line_keeps_everything_but_the_address() -> None:
    visit = browser_visit(uuid.uuid4(), str(uuid.uuid4()), 9)
    row = (visit, b"\x01" * 16, b"\x02" * 16)
    line = clicks.encode(row)
    assert visit.ip.encode() not in line
    again, ip_hash, visitor_hash = clicks.decode(line)
    assert (ip_hash, visitor_hash) == (b"\x01" * 16, b"\x02" * 16)
    assert (again.id, again.link_id, again.at, again.user_agent) == (
        visit.id,
        visit.link_id,
        visit.at,
        visit.user_agent,
    )
    assert again.ip == ""


def test_click_ids_are_time_ordered_uuid7s() -> None:
    first, second = clicks.new_click_id(), clicks.new_click_id()
    assert (first.version, first.variant) == (7, uuid.RFC_4122)
    assert first != second
    made = clicks.click_time(first)
    assert made is not None
    assert clicks.click_time(uuid.uuid4()) is None


async def test_a_dead_processs_clicks_are_replayed_once_and_its_segment_deleted(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    rows = [
        (browser_visit(tenant_id, link["id"], n), b"\x03" * 16, bytes([n]) * 16) for n in range(5)
    ]
    dead = spool.create(tmp_path)
    dead.append(b"".join(clicks.encode(r) for r in rows) + b'["torn by the crash')
    dead.release()
    db = Database(db_urls.app, pool_size=1)
    recorder = clicks.ClickRecorder(db, tmp_path)
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
    recorder = clicks.ClickRecorder(db, tmp_path, max_unsaved=10, recover_seconds=3600)
    save, down = recorder._save, True

    async def save_unless_down(rows: Sequence[clicks.Line]) -> None:
        if down:
            raise ConnectionError("PostgreSQL is down")
        await save(rows)

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
        dead.append(b"".join(clicks.encode((v, b"\x04" * 16, b"\x05" * 16)) for v in rows))
        dead.release()
    db = Database(db_urls.app, pool_size=1)
    recorder = clicks.ClickRecorder(db, tmp_path)
    save = recorder._save

    async def down(rows: Sequence[clicks.Line]) -> None:
        raise ConnectionError("PostgreSQL is down")

    try:
        monkeypatch.setattr(recorder, "_save", down)
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
    segment.append(b'["a"]\n["b"]\n')
    segment.append(b'["c", "torn')
    segment.release()
    assert spool.lines(segment.path) == [b'["a"]', b'["b"]', b'["c", "torn']
    assert segment.path.stat().st_size == 4096  # made whole first: only data to sync


def test_the_writer_confirms_what_is_on_disk_and_deletes_or_keeps_segments_as_told(
    tmp_path: Path,
) -> None:
    """Clicks are confirmed once on disk, in the segment named; `#done` deletes a segment,
    `#release` closes it and keeps it; whatever is left when the server's end closes is kept
    for `recover` (unlocked). A `#` inside a click line is not a control line."""
    from_server, to_writer = os.pipe()
    from_writer, to_server = os.pipe()
    worker = threading.Thread(target=spool_writer.serve, args=(tmp_path, from_server, to_server))
    worker.start()
    answers = os.fdopen(from_writer, "rb")

    def send(data: bytes) -> tuple[str, int]:
        os.write(to_writer, data)
        name, size = answers.readline().split()
        return name.decode(), int(size)

    first, size = send(b'["https://shop.example/#top"]\n["b"]\n')
    assert size == len(b'["https://shop.example/#top"]\n["b"]\n')
    assert spool.lines(tmp_path / first) == [b'["https://shop.example/#top"]', b'["b"]']
    second, _ = send(b"#done " + first.encode() + b'\n["c"]\n')  # deleted, then a new one
    assert not (tmp_path / first).exists()
    assert second != first
    third, _ = send(b"#release " + second.encode() + b'\n["d"]\n')
    assert spool.lines(tmp_path / second) == [b'["c"]']  # kept, and now nobody's
    assert _unheld(tmp_path) == [second]
    os.close(to_writer)
    worker.join(timeout=10)
    answers.close()
    os.close(from_server)
    os.close(to_server)
    assert _unheld(tmp_path) == sorted([second, third])


def _unheld(directory: Path) -> list[str]:
    """The segments no process holds (let go of again at once)."""
    names = []
    for segment in spool.orphans(directory):
        names.append(segment.path.name)
        segment.release()
    return sorted(names)


async def test_a_writer_that_dies_is_started_again_and_sent_what_it_had_not_confirmed(
    program: Program, db_urls: DatabaseUrls, owner_engine: Engine, tmp_path: Path
) -> None:
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    db = Database(db_urls.app, pool_size=1)
    recorder = clicks.ClickRecorder(db, tmp_path, recover_seconds=3600)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(60)]
    try:
        await recorder.record(visits[0])  # the writer is running
        first = recorder._writer
        assert first is not None
        pending = [asyncio.ensure_future(recorder.record(v)) for v in visits[1:]]
        await asyncio.sleep(0)  # sent (or queued), not confirmed
        first.kill()
        await asyncio.wait_for(asyncio.gather(*pending), 10)  # every redirect answered
        assert recorder._writer is not first
        await recorder.recover()  # the dead writer's segment, if any, replayed
        await asyncio.wait_for(recorder.settled(), 10)
    finally:
        await recorder.close()
        await db.dispose()
    assert stored_clicks(owner_engine, link) == {v.id for v in visits}
