"""One bad spooled click never holds back the others: a line PostgreSQL refuses for its data is
moved to the spool's quarantine with its reason (and counted in `/readyz`), every other click is
stored once, and the segments after it are replayed; a database that cannot be reached is no
refusal, so then the whole batch waits. What the table would refuse is mended or refused before
it is spooled."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tracking.models import Click, max_chars
from bitnexus.tracking.recorder import ClickRecorder, codec, quarantine, spool
from bitnexus.tracking.visitors import Visit
from tests.conftest import free_port
from tests.factories import Account, Program
from tests.tracking.support import BROWSER, browser_visit, live_link, stored_clicks, tenant_of
from tests.waiting import eventually


def _line(visit: Visit) -> bytes:
    """`visit` as a spool holds it, unchecked (as an older version, or a bug, may have left it)."""
    return codec.encode((visit, b"\x03" * 16, visit.id.bytes))


def _dead_segment(directory: Path, lines: list[bytes]) -> Path:
    """A segment a dead process left (nobody holds it); its name sorts with the others'."""
    path = directory / f"clicks-1-{uuid.uuid4().hex}{spool.SUFFIX}"
    path.write_bytes(b"".join(lines))
    return path


def _kept(path: Path) -> list[dict[str, Any]]:
    """The records of a quarantine file."""
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _country_too_long(visit: Visit) -> bytes:
    return _line(dataclasses.replace(visit, country="United Kingdom"))


def _unknown_bot_reason(visit: Visit) -> bytes:
    return _line(dataclasses.replace(visit, bot_reason="robot"))


def _nul_in_user_agent(visit: Visit) -> bytes:
    return _line(dataclasses.replace(visit, user_agent="Mozilla\x00/5.0"))


def _not_a_click(visit: Visit) -> bytes:
    return b'{"not": "a click"}\n'


POISONS = pytest.mark.parametrize(
    ("poison", "reason"),
    [
        (_country_too_long, "value too long"),
        (_unknown_bot_reason, "bot_reason_known"),
        (_nul_in_user_agent, "Unicode"),
        (_not_a_click, "unreadable"),
    ],
    ids=["country-too-long", "unknown-bot-reason", "nul-in-user-agent", "not-a-click"],
)


@POISONS
async def test_a_poisoned_segment_holds_back_no_good_click_and_no_later_segment(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    poison: Callable[[Visit], bytes],
    reason: str,
) -> None:
    # given: three dead processes' segments; in the first to be replayed, a line PostgreSQL
    # refuses sits among good ones
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(9)]
    bad = poison(browser_visit(tenant_id, link["id"], 99))
    good = [_line(v) for v in visits]
    first = _dead_segment(tmp_path, [*good[:2], bad, *good[2:4]])
    for lines in (good[4:6], good[6:]):
        while (later := _dead_segment(tmp_path, lines)) < first:  # sorting after the bad one
            later.unlink()
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    try:
        # when
        replayed = await recorder.recover()
        # then: every good click is stored, every segment is done with
        assert replayed == 9
        assert stored_clicks(owner_engine, link) == {v.id for v in visits}
        assert list(tmp_path.glob("*.spool")) == []  # noqa: ASYNC240
        # and the bad line is kept aside, with why and when
        [record] = _kept(quarantine.path_for(tmp_path, first.name))
        assert record["line"] == bad.decode().rstrip("\n")
        assert reason in record["reason"]
        assert record["segment"] == first.name
        at = dt.datetime.fromisoformat(record["quarantined_at"])
        assert abs(dt.datetime.now(dt.UTC) - at) < dt.timedelta(minutes=5)
        assert (await recorder.quarantined()).lines == 1

        # when: the process died between the quarantine and the segment's deletion
        _dead_segment(tmp_path, [*good[:2], bad, *good[2:4]]).rename(first)
        assert await recorder.recover() == 4
        # then: nothing is kept or stored twice
        assert len(_kept(quarantine.path_for(tmp_path, first.name))) == 1
        assert stored_clicks(owner_engine, link) == {v.id for v in visits}
    finally:
        await recorder.close()
        await db.dispose()


@pytest.fixture
def refused_user_agent(owner_engine: Engine) -> Iterator[str]:
    """A User-Agent PostgreSQL refuses from now on (a constraint added while clicks with it
    wait in a spool), and the constraint's name."""
    marker = uuid.uuid4().hex
    name = f"ck_clicks_test_{marker[:12]}"
    with owner_engine.begin() as conn:
        rule = f"CHECK (user_agent NOT LIKE '%{marker}%') NOT VALID"
        conn.execute(text(f"ALTER TABLE clicks ADD CONSTRAINT {name} {rule}"))
    try:
        yield marker
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE clicks DROP CONSTRAINT {name}"))


async def test_a_click_refused_while_draining_is_kept_aside_and_the_others_stored(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    refused_user_agent: str,
) -> None:
    # given: a live recorder; one of the clicks it records is one PostgreSQL refuses
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(12)]
    bad = dataclasses.replace(visits.pop(5), user_agent=f"{BROWSER} {refused_user_agent}")
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    try:
        # when
        await asyncio.gather(*(recorder.record(v) for v in [*visits, bad]))
        await asyncio.wait_for(recorder.settled(), 30)
        # then: the others are stored; the refused one is kept beside the recorder's segment
        assert stored_clicks(owner_engine, link) == {v.id for v in visits}
        [kept] = list((tmp_path / quarantine.DIRECTORY).glob("*.jsonl"))
        [record] = _kept(kept)
        assert refused_user_agent in record["line"]
        assert record["sqlstate"] == "23514"
        assert record["segment"] == f"{kept.stem}{spool.SUFFIX}"
    finally:
        await recorder.close()
        await db.dispose()
    assert list(tmp_path.glob("*.spool")) == []  # noqa: ASYNC240


async def _terminate_idle_connection(recorder: ClickRecorder, app_engine: Engine) -> None:
    """Kill the server end of the recorder's idle connection, as a restart or a network cut
    does (as its own role: only it, or a superuser, may)."""
    [idle] = recorder._idle
    pid = idle.raw.get_server_pid()
    with app_engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    async def gone() -> bool:
        with app_engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": pid})
            return found.first() is None

    await eventually(gone, "the recorder's connection ended")


@pytest.mark.parametrize("failure", ["connection-lost", "connection-refused", "permission-denied"])
async def test_a_failure_not_the_lines_keeps_the_whole_batch_and_quarantines_nothing(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    app_engine: Engine,
    tmp_path: Path,
    failure: str,
) -> None:
    # given: a dead segment with a refused line among good ones, and PostgreSQL out of reach
    # (or refusing every line alike: a grant missing, a schema the code does not match)
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    visits = [browser_visit(tenant_id, link["id"], n) for n in range(5)]
    warm = browser_visit(tenant_id, link["id"], 50)
    bad = _country_too_long(browser_visit(tenant_id, link["id"], 99))
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    nowhere = Database(db_urls.app.set(port=free_port()), pool_size=1)  # nobody listens there
    unreachable = ClickRecorder(nowhere, tmp_path, recover_seconds=3600)
    grant = f'INSERT ON clicks {{}} "{db_urls.app.username}"'
    try:
        if failure == "permission-denied":
            with owner_engine.begin() as conn:
                conn.execute(text("REVOKE " + grant.format("FROM")))
            replaying = recorder
        elif failure == "connection-lost":
            await recorder.record(warm)  # the recorder now has a connection ...
            await asyncio.wait_for(recorder.settled(), 30)
            await _terminate_idle_connection(recorder, app_engine)  # ... that dies idle
            replaying = recorder
        else:
            replaying = unreachable
        segment = _dead_segment(tmp_path, [*map(_line, visits[:2]), bad, *map(_line, visits[2:])])
        # when
        with pytest.raises((OSError, asyncpg.PostgresError, asyncpg.InterfaceError)):
            await replaying.recover()
        # then: nothing was judged refused, the segment waits whole
        assert not (tmp_path / quarantine.DIRECTORY).exists()
        assert segment.exists()
        assert not stored_clicks(owner_engine, link) & {v.id for v in visits}

        # when: PostgreSQL is there again (and takes clicks)
        with owner_engine.begin() as conn:
            conn.execute(text("GRANT " + grant.format("TO")))
        assert await recorder.recover() == 5
        # then: the good clicks are stored and the refused one is kept aside
        assert stored_clicks(owner_engine, link) - {warm.id} == {v.id for v in visits}
        assert len(_kept(quarantine.path_for(tmp_path, segment.name))) == 1
    finally:
        with owner_engine.begin() as conn:  # (granted twice is harmless)
            conn.execute(text("GRANT " + grant.format("TO")))
        await unreachable.close()
        await recorder.close()
        await nowhere.dispose()
        await db.dispose()


AGENT_CHARS = max_chars(Click.__table__.c.user_agent)
REFERRER_CHARS = max_chars(Click.__table__.c.referrer)
LONG_AGENT = BROWSER + " x" * AGENT_CHARS
LONG_REFERRER = "https://ref.example/\x00" + "r" * REFERRER_CHARS


@pytest.mark.parametrize(
    ("field", "given", "kept"),
    [
        ("country", "United Kingdom", None),
        ("country", "gb", "GB"),
        ("country", "1A", None),
        ("user_agent", LONG_AGENT, LONG_AGENT[:AGENT_CHARS]),
        ("user_agent", "Mozilla\x00/5.0", "Mozilla/5.0"),
        ("referrer", LONG_REFERRER, LONG_REFERRER.replace("\x00", "")[:REFERRER_CHARS]),
    ],
    ids=[
        "country-too-long",
        "country-lower-case",
        "country-not-letters",
        "user-agent-too-long",
        "nul-in-user-agent",
        "referrer-too-long-with-nul",
    ],
)
async def test_what_the_table_would_refuse_is_mended_before_it_is_spooled(
    program: Program,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
    field: str,
    given: str,
    kept: str | None,
) -> None:
    # given
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)
    visit = dataclasses.replace(browser_visit(tenant_id, link["id"], 1), **{field: given})
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    try:
        # when
        await recorder.record(visit)
        # then: the spool has the mended value, and so has PostgreSQL
        assert recorder._segment is not None
        [line] = spool.lines(recorder._segment.path)
        assert getattr(codec.decode(line)[0], field) == kept
        await asyncio.wait_for(recorder.settled(), 30)
    finally:
        await recorder.close()
        await db.dispose()
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text(f"SELECT {field} FROM clicks WHERE id = :id"), {"id": visit.id}
        ).scalar_one()
    assert stored == kept


async def test_a_bot_reason_the_table_does_not_know_is_refused_and_never_spooled(
    db_urls: DatabaseUrls, tmp_path: Path
) -> None:
    db = Database(db_urls.app, pool_size=1)
    recorder = ClickRecorder(db, tmp_path, recover_seconds=3600)
    visit = dataclasses.replace(browser_visit(uuid.uuid4(), str(uuid.uuid4()), 1), bot_reason="x")
    try:
        with pytest.raises(ValueError, match="bot reason"):
            await recorder.record(visit)
    finally:
        await recorder.close()
        await db.dispose()
    assert list(tmp_path.glob("*.spool")) == []  # noqa: ASYNC240


async def test_quarantined_clicks_are_counted_in_the_readiness_detail_and_the_admins_view(
    program: Program,
    platform_admin: Account,
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: Settings,
    owner_engine: Engine,
) -> None:
    # given: the server's spool has a dead segment with a line PostgreSQL refuses
    link = await live_link(program)
    tenant_id = tenant_of(owner_engine, link)

    async def kept_aside() -> dict[str, Any]:
        answer = await client.get("/readyz")
        assert answer.status_code == 200  # quarantined clicks never make a process unready
        clicks: dict[str, Any] = answer.json()["clicks"]
        return clicks

    before = await kept_aside()
    spool_dir = settings.data_dir / "clicks-spool"
    visit = browser_visit(tenant_id, link["id"], 1)
    segment = _dead_segment(
        spool_dir, [_line(visit), _country_too_long(browser_visit(tenant_id, link["id"], 2))]
    )
    kept = quarantine.path_for(spool_dir, segment.name)
    try:
        # when: the server replays it (here, or in its own pass every minute meanwhile)
        await app.state.clicks.recover()

        # then: the operator sees how many clicks were kept aside, and where
        async def counted() -> dict[str, Any] | None:
            clicks = await kept_aside()
            more = clicks["quarantined_lines"] == before["quarantined_lines"] + 1
            return clicks if more else None

        clicks = await eventually(counted, "the quarantined line counted")
        shown = f"clicks-spool/{quarantine.DIRECTORY}/{kept.name}"
        assert shown in clicks["quarantine_files"]
        assert clicks["file_count"] == before["file_count"] + 1
        assert stored_clicks(owner_engine, link) == {visit.id}
        # and so does the platform admin
        seen = await platform_admin.client.get(
            "/api/v1/ops/clicks-quarantine", headers=platform_admin.headers
        )
        assert seen.status_code == 200
        assert seen.json() == clicks
    finally:
        kept.unlink(missing_ok=True)
    after = await kept_aside()
    assert after["quarantined_lines"] == before["quarantined_lines"]  # handled: gone


async def test_only_a_platform_admin_sees_the_quarantine(
    program: Program, client: httpx.AsyncClient
) -> None:
    path = "/api/v1/ops/clicks-quarantine"
    assert (await client.get(path)).status_code == 401
    for account in (program.admin, program.affiliate):
        answer = await account.client.get(path, headers=account.headers)
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("error", "out_of_reach"),
    [
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (asyncpg.ConnectionDoesNotExistError("closed"), True),
        (asyncpg.InterfaceError("connection is closed"), True),
        (asyncpg.CannotConnectNowError("starting up"), True),
        (asyncpg.AdminShutdownError("terminating"), True),
        (asyncpg.TooManyConnectionsError("too many"), True),
        (asyncpg.DeadlockDetectedError("deadlock"), True),
        (asyncpg.StringDataRightTruncationError("too long"), False),
        (asyncpg.CheckViolationError("check"), False),
        (asyncpg.InvalidTextRepresentationError("json"), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_only_a_database_out_of_reach_keeps_a_batch_whole(
    error: BaseException, out_of_reach: bool
) -> None:
    assert quarantine.unavailable(error) is out_of_reach
    assert quarantine.for_its_data(error) is not out_of_reach


def test_a_moved_away_quarantine_file_is_no_longer_counted(tmp_path: Path) -> None:
    refused = [quarantine.Refusal(b'["a"]\n', "bad"), quarantine.Refusal(b'["b"]\n', "bad")]
    now = dt.datetime.now(dt.UTC)
    path, added = quarantine.add(tmp_path, "clicks-1-x.spool", refused, now)
    assert (added, quarantine.summary(tmp_path).lines) == (2, 2)
    assert quarantine.add(tmp_path, "clicks-1-x.spool", refused[:1], now)[1] == 0
    shutil.move(path, tmp_path / "handled.jsonl")
    assert quarantine.summary(tmp_path) == quarantine.Summary(0, ())
