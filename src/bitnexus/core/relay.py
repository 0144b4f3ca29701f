"""The relay: with Redis, one process at a time LISTENs to the outbox's announcements and
appends them to a Redis stream that every process's dispatcher follows (`core.events`).

Which process relays is decided by a lease in Redis, renewed while the relay works. Every
process runs a `Relay`; the others try to take the lease once a second, so one that dies is
replaced within the lease time. A relay that takes over first appends the ids of every event
written since its predecessor last said all earlier ones were in the stream (less the
catch-up margin): what the predecessor may have left out is appended again, and the
dispatchers skip what they already delivered. A relay that loses Redis or PostgreSQL stops;
the dispatchers meanwhile listen to PostgreSQL themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
import time

import asyncpg
import structlog

from bitnexus.core import periodic
from bitnexus.core.db import utcnow
from bitnexus.core.events import CATCH_UP_MARGIN, LEASE, RELAYED_UNTIL, STREAM, USE
from bitnexus.core.outage import log_failure
from bitnexus.core.outbox import CHANNEL
from bitnexus.core.redis import Shared, Unavailable

log = structlog.get_logger(__name__)

KEEP = 100_000  # stream entries kept: a follower reads them within a second of their coming
REMEMBER_RELAYED = 7 * 86_400.0  # how long the hand-over mark outlives its last relay


class Relay:
    def __init__(
        self,
        dsn: str,
        shared: Shared,
        *,
        lease_seconds: float = 3.0,
        retry_seconds: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self._shared = shared
        self._lease_seconds = lease_seconds
        self._retry_seconds = retry_seconds
        self._owner = secrets.token_hex(8)
        self._running: asyncio.Task[None] | None = None
        self.relaying = False
        self._closing = False

    def start(self) -> None:
        if self._running is None and self._shared.configured:
            self._running = asyncio.create_task(self._run())

    async def close(self) -> None:
        self._closing = True  # (so a cancel a client library turned into an error still ends it)
        if self._running is not None:
            await periodic.stop(self._running)
            self._running = None
            with contextlib.suppress(Unavailable):  # the next relay need not wait the lease out
                await self._shared.release_lease(USE, self._shared.key(*LEASE), self._owner)

    async def _run(self) -> None:
        lease = self._shared.key(*LEASE)
        while not self._closing:
            taken = False
            try:
                taken = await self._shared.take_lease(USE, lease, self._owner, self._lease_seconds)
                if taken:
                    log.info("events.relay_started")
                    await self._relay()
            except Unavailable:
                pass
            except Exception as error:
                log_failure(log, "events.relay_failed", error)
            finally:
                self.relaying = False
                if taken:  # stopped: the next relay need not wait the lease out
                    with contextlib.suppress(Unavailable):
                        await self._shared.release_lease(USE, lease, self._owner)
            await asyncio.sleep(self._retry_seconds)

    async def _relay(self) -> None:
        """Relay while this process holds the lease and reaches both servers."""
        shared = self._shared
        stream, lease, mark = shared.key(*STREAM), shared.key(*LEASE), shared.key(*RELAYED_UNTIL)
        arrived: asyncio.Queue[str | None] = asyncio.Queue()
        connection: asyncpg.Connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": "bitnexus-relay"}
        )
        connection.add_termination_listener(lambda _c: arrived.put_nowait(None))
        try:
            await connection.add_listener(
                CHANNEL, lambda _c, _pid, _ch, payload: arrived.put_nowait(str(payload))
            )
            self.relaying = True
            await self._append_since(connection, await self._handed_over(mark))
            renew_at = 0.0
            while not self._closing:
                payloads = await _arrivals(arrived, renew_at)
                if None in payloads:
                    log.warning("events.relay_connection_lost")
                    return
                if payloads:
                    ids = ",".join(p for p in payloads if p)
                    await shared.append(USE, stream, {"ids": ids}, KEEP)
                if time.monotonic() >= renew_at:
                    now = utcnow()  # every announcement before it is in the stream
                    if not await shared.renew_lease(USE, lease, self._owner, self._lease_seconds):
                        log.warning("events.relay_lease_lost")
                        return
                    await shared.put(USE, mark, now.isoformat().encode(), REMEMBER_RELAYED)
                    renew_at = time.monotonic() + self._lease_seconds / 3
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def _handed_over(self, mark: str) -> dt.datetime:
        """From when the stream may lack events: the last relay's mark, or (none known) the
        longest a relay can have been gone unnoticed."""
        value = await self._shared.get(USE, mark)
        since = (
            dt.datetime.fromisoformat(value.decode())
            if value
            else utcnow() - dt.timedelta(seconds=self._lease_seconds + self._retry_seconds)
        )
        return since - CATCH_UP_MARGIN

    async def _append_since(self, connection: asyncpg.Connection, since: dt.datetime) -> None:
        stream, after = self._shared.key(*STREAM), 0
        while rows := await connection.fetch(
            "SELECT id FROM bitnexus_outbox_since($1, $2, 10000)", since, after
        ):
            await self._shared.append(
                USE, stream, {"ids": ",".join(str(r["id"]) for r in rows)}, KEEP
            )
            after = rows[-1]["id"]


async def _arrivals(arrived: asyncio.Queue[str | None], until: float) -> list[str | None]:
    """What has arrived, waiting until the monotonic time `until` for something to (None in
    it: the connection was lost). (`asyncio.timeout`, not `wait_for`, which in Python 3.11 can
    swallow the cancellation of a relay being closed.)"""
    try:
        async with asyncio.timeout(max(until - time.monotonic(), 0)):
            payloads = [await arrived.get()]
    except TimeoutError:
        return []
    while not arrived.empty():
        payloads.append(arrived.get_nowait())
    return payloads
