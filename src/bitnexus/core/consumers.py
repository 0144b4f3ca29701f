"""Durable outbox consumers: in-process jobs that must see every domain event once it is
committed (outgoing webhooks, notifications), across restarts of the process or PostgreSQL.

A consumer is named; its watermark (the time of the newest event it has handled) is a row of
`consumer_watermarks`. While it runs it is fed live by a dispatcher subscription to every event.
When it starts, when the dispatcher has reconnected, when its subscription was dropped (it fell
`QUEUED` events behind), and every `sweep_seconds`, it also reads the outbox from its watermark
minus `margin` through `bitnexus_outbox_since` (an event's time is its transaction's start, so a
transaction up to `margin` long that commits after a later one is still read). Events are kept
for `BITNEXUS_OUTBOX_RETENTION_DAYS`: a consumer stopped for longer misses the pruned ones.

Events are handed over in batches (those that arrived together, up to `BATCH`), so a handler
can do a burst's work in one unit of work per tenant. A batch its handler cannot take is handed
over again one event at a time, so one bad event is passed over without the others.

So an event may be handled more than once (re-read after a restart, or both live and in a
catch-up): a handler must be idempotent (a unique key on what it writes). Where several
processes run, one leads: a session advisory lock on the consumer's name, held on a connection
of its own (which also reads the outbox and moves the watermark), picks the process that
handles events; the others stand by and take over, catching up from the watermark, when its
connection goes. Idempotency makes a double handling during such a hand-over harmless.

A new consumer starts from the time it first runs: it does not replay the outbox's history.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import structlog
from sqlalchemy import BigInteger, String, func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, Database, set_tenant
from bitnexus.core.events import Dispatcher, Dropped, Event, Subscription
from bitnexus.core.outage import log_failure, unreachable

log = structlog.get_logger(__name__)

CATCH_UP_MARGIN = dt.timedelta(minutes=5)
REMEMBERED = 20_000  # ids handled lately, so a catch-up does not hand them over again
PAGE = 1000
BATCH = 256  # events handed to a handler at once
LINGER_SECONDS = 0.05  # how long a batch gathers events after its first
QUEUED = 10_000  # live events a consumer may fall behind by before it reads the outbox instead
WATERMARK_SECONDS = 1.0

Handler = Callable[[Sequence[Event]], Awaitable[None]]  # a batch, in outbox order


async def per_tenant(
    db: Database,
    events: Sequence[Event],
    work: Callable[[AsyncSession, list[Event]], Awaitable[object]],
) -> None:
    """`work` on each tenant's events of a batch (in outbox order), in one unit of work of that
    tenant: a handler's common shape."""
    tenants: dict[uuid.UUID, list[Event]] = {}
    for event in events:
        tenants.setdefault(event.tenant_id, []).append(event)
    for tenant_id, theirs in tenants.items():
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await work(session, theirs)


class ConsumerWatermark(Base):
    """How far a named consumer has read the outbox (migration 0035). Platform-level: it
    holds consumer names and outbox times, no tenant's data."""

    __tablename__ = "consumer_watermarks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[dt.datetime] = mapped_column()  # time of the newest event handled
    last_event_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Consumer:
    def __init__(
        self,
        name: str,
        handle: Handler,
        *,
        dispatcher: Dispatcher,
        dsn: str,
        margin: dt.timedelta = CATCH_UP_MARGIN,
        sweep_seconds: float = 300.0,
        standby_seconds: float = 5.0,
        tick_seconds: float = 1.0,
        queued: int = QUEUED,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.name = name
        self._handle = handle
        self._dispatcher = dispatcher
        self._dsn = dsn
        self._margin = margin
        self._sweep_seconds = sweep_seconds
        self._standby_seconds = standby_seconds
        self._tick_seconds = tick_seconds
        self._queued = queued
        self._linger = linger
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._newest: tuple[dt.datetime, int] | None = None  # handled, not yet in the watermark
        self._advanced_at = 0.0
        self._running: asyncio.Task[None] | None = None
        self.leading = asyncio.Event()
        self.caught_up = 0  # catch-ups completed, for whoever waits on one

    async def start(self) -> None:
        if self._running is None:
            self._running = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._running is not None:
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running
            self._running = None

    async def _run(self) -> None:
        while True:
            try:
                await self._lead()
            except Exception as error:
                log_failure(log, "consumer.failed", error, consumer=self.name)
            await asyncio.sleep(self._standby_seconds)

    async def _lead(self) -> None:
        """While this process holds the consumer's lock: catch up, then follow live events
        (catching up again whenever the live feed may have missed some)."""
        connection: asyncpg.Connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": f"bitnexus-consumer-{self.name}"}
        )
        try:
            if not await connection.fetchval(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", f"consumer:{self.name}"
            ):
                return  # another process leads
            self.leading.set()
            await self._start_watermark(connection)
            while not connection.is_closed():
                subscription = self._dispatcher.subscribe(None, limit=self._queued)
                try:
                    await self._catch_up(connection)
                    await self._follow(subscription, connection)
                except Dropped:  # fell behind: read the outbox instead
                    log.warning("consumer.dropped", consumer=self.name)
                finally:
                    subscription.close()
        finally:
            self.leading.clear()
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def _follow(self, subscription: Subscription, lock: asyncpg.Connection) -> None:
        loop = asyncio.get_running_loop()
        swept, missed = loop.time(), False
        while not lock.is_closed():
            try:
                events = await asyncio.wait_for(
                    subscription.batch(self._linger), self._tick_seconds + self._linger
                )
            except TimeoutError:
                pass
            else:
                await self._take(events, lock)
                continue
            await self._advance(lock)  # idle: the watermark catches up with what was handled
            missed = missed or not self._dispatcher.listening
            if (missed and self._dispatcher.listening) or (
                loop.time() - swept >= self._sweep_seconds
            ):
                await self._catch_up(lock)
                swept, missed = loop.time(), False

    async def _take(self, events: Sequence[Event], connection: asyncpg.Connection) -> int:
        """Hand over those of `events` not handled lately, a batch at a time; how many."""
        fresh = [event for event in events if event.id not in self._handled]
        for start in range(0, len(fresh), BATCH):
            await self._hand_over(fresh[start : start + BATCH])
        for event in fresh:
            self._handled[event.id] = None
            if self._newest is None or event.created_at > self._newest[0]:
                self._newest = (event.created_at, event.id)
        while len(self._handled) > REMEMBERED:
            self._handled.popitem(last=False)
        if time.monotonic() - self._advanced_at >= WATERMARK_SECONDS:
            await self._advance(connection)
        return len(fresh)

    async def _hand_over(self, batch: Sequence[Event]) -> None:
        try:
            await self._handle(batch)
        except Exception as error:
            if unreachable(error):
                raise  # the database: these events and the next are read again once it is back
            if len(batch) > 1:  # one of them is at fault: each alone, to pass over only it
                for event in batch:
                    await self._hand_over([event])
                return
            # this event's own fault (data its handler cannot take): said once, and passed
            # over rather than retried for ever ahead of every later event
            log.exception(
                "consumer.event_failed",
                consumer=self.name,
                event_id=batch[0].id,
                type=batch[0].type,
            )

    async def _advance(self, connection: asyncpg.Connection) -> None:
        """Write the watermark (at most once a second while events flow: a restart re-reads
        from a margin before it anyway)."""
        if self._newest is None:
            return
        (at, event_id), self._newest = self._newest, None
        self._advanced_at = time.monotonic()
        await connection.execute(
            "UPDATE consumer_watermarks SET position = greatest(position, $2),"
            " last_event_id = greatest(last_event_id, $3), updated_at = now()"
            " WHERE name = $1",
            self.name,
            at,
            event_id,
        )

    async def _start_watermark(self, connection: asyncpg.Connection) -> None:
        await connection.execute(
            "INSERT INTO consumer_watermarks (name, position) VALUES ($1, now())"
            " ON CONFLICT (name) DO NOTHING",
            self.name,
        )

    async def _catch_up(self, connection: asyncpg.Connection) -> None:
        """Hand over every event written since the watermark (minus the margin)."""
        position = await connection.fetchval(
            "SELECT position FROM consumer_watermarks WHERE name = $1", self.name
        )
        since, after, handed = position - self._margin, 0, 0
        while True:
            rows = await connection.fetch(
                "SELECT * FROM bitnexus_outbox_since($1, $2, $3)", since, after, PAGE
            )
            handed += await self._take([Event.of(row) for row in rows], connection)
            await self._advance(connection)
            if len(rows) < PAGE:
                break
            after = rows[-1]["id"]
        self.caught_up += 1
        if handed:
            log.info("consumer.caught_up", consumer=self.name, events=handed)
