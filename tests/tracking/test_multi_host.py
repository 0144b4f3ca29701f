"""Two hosts, one database: each app instance has a data directory of its own (its own click
spool) and both write to the same PostgreSQL. Either killed with SIGKILL under load loses no
answered click: restarted on its data directory, it replays what it left, and the other host
never stops answering.

The hosts share what must agree between them (docs/capacity.md, "Several hosts"): the
database (DATABASE_URL, and DATABASE_APP_URL so no host resets the runtime role's password),
BITNEXUS_SECRET_KEY and BITNEXUS_LEDGER_KEY. Midway PostgreSQL is frozen (SIGSTOP), so the
killed host's spool surely holds clicks PostgreSQL does not have yet.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import psutil
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import launch_server
from tests.factories import BROWSER, Program
from tests.waiting import eventually

CLIENTS = 6  # per host, each a keep-alive connection asking one request at a time


@dataclass(eq=False)
class Host:
    name: str
    settings: Settings
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    answered: list[str] = field(default_factory=list)  # click ids of the 302s it gave
    up: asyncio.Event = field(default_factory=asyncio.Event)
    dead_pids: list[int] = field(default_factory=list)

    async def start(self) -> None:
        self.proc, self.url = await asyncio.to_thread(launch_server, self.settings, **self.env)
        self.up.set()

    def kill(self) -> None:
        assert self.proc is not None
        self.up.clear()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.dead_pids.append(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


def _postgres(settings: Settings) -> list[psutil.Process]:
    """The embedded PostgreSQL both hosts use: its postmaster and every backend."""
    pidfile = (settings.data_dir / "pg" / "postmaster.pid").resolve()
    postmaster = psutil.Process(int(pidfile.read_text().split()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


def _stored(owner_engine: Engine, code: str) -> tuple[set[str], int]:
    """The link's click ids in PostgreSQL, and how many rows they are."""
    with owner_engine.connect() as conn:
        ids = [
            row[0].hex
            for row in conn.execute(
                text(
                    "SELECT c.id FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = :c"
                ),
                {"c": code},
            )
        ]
    return set(ids), len(ids)


@pytest.mark.parametrize("victim", ["a", "b"])
async def test_either_host_killed_loses_no_answered_click(
    victim: str,
    program: Program,
    settings: Settings,
    db_urls: DatabaseUrls,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    # given two hosts with data directories of their own on the one database
    product = await program.approved()
    r = await program.affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=program.affiliate.headers
    )
    code = r.json()["code"]
    shared = {
        "DATABASE_URL": db_urls.owner.render_as_string(hide_password=False),
        "DATABASE_APP_URL": db_urls.app.render_as_string(hide_password=False),
        "BITNEXUS_LEDGER_KEY": secrets.token_urlsafe(32),
        "BITNEXUS_LINK_CACHE_SECONDS": "60",  # answers go on while PostgreSQL is frozen
    }
    hosts = {
        name: Host(name, settings.model_copy(update={"data_dir": tmp_path / name}), shared)
        for name in ("a", "b")
    }
    killed, other = hosts[victim], hosts["b" if victim == "a" else "a"]
    done = asyncio.Event()

    async def hammer(host: Host, n: int) -> None:
        headers = {"user-agent": f"{BROWSER} load/{host.name}/{n}"}
        while not done.is_set():
            await host.up.wait()
            async with httpx.AsyncClient(base_url=host.url, timeout=30) as client:
                while not done.is_set() and host.up.is_set():
                    try:
                        resp = await client.get(f"/r/{code}", headers=headers)
                    except httpx.HTTPError:
                        break  # the host is gone: wait for it to be back
                    assert resp.status_code == 302, resp.text
                    query = parse_qs(urlsplit(resp.headers["location"]).query)
                    host.answered.append(query["bnx_cid"][0])

    async def answered(host: Host, at_least: int) -> bool:
        return len(host.answered) >= at_least

    async def scenario() -> int:
        await eventually(lambda: answered(killed, 100), "host under load", within=60)
        await eventually(lambda: answered(other, 100), "other host under load", within=60)
        # when PostgreSQL is frozen and the victim goes on answering from its spool
        frozen = _postgres(settings)
        for p in frozen:
            p.suspend()
        try:
            before = len(killed.answered)
            await eventually(lambda: answered(killed, before + 30), "answers while frozen")
            killed.kill()  # then SIGKILL, clicks in its spool that PostgreSQL lacks
            at_kill = len(killed.answered)
        finally:
            for p in frozen:
                p.resume()
        stored, _ = await asyncio.to_thread(_stored, owner_engine, code)
        assert set(killed.answered) - stored, "nothing was left in the spool to replay"
        # the other host answers on alone, then the victim comes back on its data directory
        seen = len(other.answered)
        await eventually(lambda: answered(other, seen + 100), "the other host answers alone")
        await killed.start()
        await eventually(lambda: answered(killed, at_kill + 100), "the victim answers again")
        done.set()
        return at_kill

    try:
        for host in hosts.values():
            await host.start()
        clients = [hammer(h, n) for h in hosts.values() for n in range(CLIENTS)]
        at_kill, *_ = await asyncio.wait_for(asyncio.gather(scenario(), *clients), 240)

        # then every answered click of both hosts is in the database, once
        everything = set(killed.answered) | set(other.answered)
        assert len(everything) == len(killed.answered) + len(other.answered), "a click id twice"

        async def all_stored() -> bool:
            stored, _ = await asyncio.to_thread(_stored, owner_engine, code)
            return everything <= stored

        await eventually(all_stored, "every answered click stored", within=60)
        stored, rows = _stored(owner_engine, code)
        assert rows == len(stored)
        # at most the requests in flight at the kill were recorded and never answered
        assert len(stored - everything) <= CLIENTS
        assert set(killed.answered[:at_kill]) <= stored
        assert not list(
            (killed.settings.data_dir / "clicks-spool").glob(f"clicks-{killed.dead_pids[0]}-*")
        ), "the dead process's segments were not replayed and deleted"
    finally:
        done.set()
        for host in hosts.values():
            host.stop()
