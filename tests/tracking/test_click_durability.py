"""kill -9 under click load: every redirect that was answered left a click that reaches the
database.

The server runs in its own process; clients hammer `/r/{code}` and note each answered 302's
click id. Midway, PostgreSQL is frozen (SIGSTOP) for a second: the server goes on answering
from its link cache, its clicks safe in its write-ahead file but not in PostgreSQL. Then the
server is killed with SIGKILL and PostgreSQL thawed; a new server replays what the dead one
left, and every noted id must then be in the database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from tests.conftest import launch_server
from tests.factories import Program


def _postgres(settings: Settings) -> list[psutil.Process]:
    """The embedded PostgreSQL: its postmaster and every backend and helper process."""
    pidfile = (settings.data_dir / "pg" / "postmaster.pid").resolve()
    postmaster = psutil.Process(int(pidfile.read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


async def test_kill_9_during_click_load_loses_no_answered_click(
    program: Program, settings: Settings, owner_engine: Engine
) -> None:
    product = await program.approved()
    r = await program.affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=program.affiliate.headers
    )
    code = r.json()["code"]
    proc, url = launch_server(settings, BITNEXUS_LINK_CACHE_SECONDS="60")
    answered: list[str] = []
    stopped_at = 0
    warm, done = asyncio.Event(), asyncio.Event()

    async def hammer(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            while not done.is_set():
                try:
                    resp = await client.get(
                        f"/r/{code}", headers={"user-agent": f"load/{n} Mozilla"}
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if resp.status_code == 302:
                    query = parse_qs(urlsplit(resp.headers["location"]).query)
                    answered.append(query["bnx_cid"][0])
                    if len(answered) >= 300:
                        warm.set()

    async def freeze_then_kill() -> None:
        nonlocal stopped_at
        await warm.wait()
        frozen = _postgres(settings)
        for p in frozen:
            p.suspend()
        try:
            stopped_at = len(answered)
            await asyncio.sleep(1.0)  # clients keep asking; nothing can commit
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            for p in frozen:
                p.resume()
        done.set()

    try:
        await asyncio.wait_for(
            asyncio.gather(freeze_then_kill(), *(hammer(n) for n in range(16))), 120
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)

    assert proc.returncode == -signal.SIGKILL
    assert len(answered) >= 300
    assert len(answered) - stopped_at > 16, "answers waited for PostgreSQL"
    assert set(answered) - _stored(owner_engine, code), "nothing was left to replay"

    dead = proc.pid
    proc, _ = launch_server(settings)  # replays the dead server's spool as it starts
    try:
        deadline = time.monotonic() + 60
        missing = set(answered)
        while missing and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            missing = set(answered) - _stored(owner_engine, code)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not missing, f"{len(missing)} answered clicks were lost"
    assert not list((settings.data_dir / "clicks-spool").glob(f"clicks-{dead}-*.spool"))


def _stored(owner_engine: Engine, code: str) -> set[str]:
    with owner_engine.connect() as conn:
        return {
            row[0].hex
            for row in conn.execute(
                text(
                    "SELECT c.id FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = :c"
                ),
                {"c": code},
            )
        }
