"""kill -9 under click load: every redirect that was answered left a committed click.

The server runs in its own process; clients hammer `/r/{code}` and note each answered 302's
click id. Midway, PostgreSQL is frozen (SIGSTOP) for a second: a server that answered before
its click was committed would go on answering from its link cache, with clicks it can no longer
commit. Then the server is killed with SIGKILL, PostgreSQL thawed, and every noted id must be
in the database. It holds because the redirect is answered only after its click's group commit.
"""

from __future__ import annotations

import asyncio
import os
import signal
from urllib.parse import parse_qs, urlsplit

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from tests.catalog.support import Program
from tests.conftest import launch_server


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
    with owner_engine.connect() as conn:
        stored = {
            row[0].hex
            for row in conn.execute(
                text(
                    "SELECT c.id FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = :c"
                ),
                {"c": code},
            )
        }
    assert len(answered) >= 300
    assert not set(answered) - stored, "answered clicks were lost"
    assert len(answered) - stopped_at <= 16  # at most the requests already committing
