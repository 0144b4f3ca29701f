"""The dispatcher: hands the outbox's events (`core.outbox`) to this process's subscribers.

Each process keeps one PostgreSQL connection that LISTENs on the outbox channel. A commit that
wrote events notifies every listening process of their ids; the dispatcher reads them back (one
query for the ids that arrived together), serialises each event once, and puts it in the queue
of every subscription to one of its topics. A subscription that lets its queue fill is dropped
(`Dropped`), never allowed to hold up the others.

When the connection is lost, the dispatcher reconnects and reads what was written meanwhile
(from a little before the loss, by time: ids are taken in one order and committed in another),
skipping the events it has already delivered, so a subscriber misses nothing across a restart
of PostgreSQL. Delivered events are pruned after the retention period (`run_pruner`).

With Redis (`core.redis`), one process at a time relays the announcements to a Redis stream
(`core.relay`) and every other dispatcher follows that stream instead of holding a LISTEN
connection of its own: it still reads the events from the outbox, by id. While Redis or the
relay is gone it listens to PostgreSQL again, and each switch of source catches up as a lost
connection does, so no event is missed or delivered twice across it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import orjson
import structlog

from bitnexus.core import jsontext, periodic
from bitnexus.core.db import Database, utcnow
from bitnexus.core.outage import log_failure
from bitnexus.core.outbox import CHANNEL
from bitnexus.core.redis import Shared, Unavailable

log = structlog.get_logger(__name__)

CATCH_UP_MARGIN = dt.timedelta(seconds=10)  # ids taken before the loss may commit after it
REMEMBERED = 20_000  # ids delivered lately, so a catch-up delivers nothing twice
USE = "events"  # Redis's fallback counter's label
STREAM = ("events",)  # the Redis stream of announced ids (each entry: "ids", comma-separated)
LEASE = ("events", "relay")  # held by the process that relays (its random id)
RELAYED_UNTIL = ("events", "relayed-until")  # everything committed before it is in the stream


class Row(Protocol):
    """An outbox row as asyncpg or SQLAlchemy returns it."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    tenant_id: uuid.UUID
    type: str
    topics: tuple[str, ...]
    data: dict[str, Any]
    created_at: dt.datetime
    json: bytes  # what a client is sent, serialised once for every receiver

    @classmethod
    def of(cls, row: Row) -> Event:
        """The event of an outbox row whose `topics` and `data` are JSON text."""
        topics, data = tuple(orjson.loads(row["topics"])), orjson.loads(row["data"])
        body = {
            "id": row["id"],
            "type": row["type"],
            "tenant_id": row["tenant_id"],
            "topics": topics,  # which of a receiver's topics it concerns
            "at": row["created_at"],
            "data": data,
        }
        return cls(
            row["id"],
            row["tenant_id"],
            row["type"],
            topics,
            data,
            row["created_at"],
            jsontext.dumps(body),
        )


class Dropped(Exception):
    """The subscription fell too far behind and was let go: its reader resumes from the last
    event it saw (the outbox keeps them) or starts afresh."""


class Subscription:
    """Events of some topics (or of all, for in-process consumers), in commit order per
    transaction and id order within one."""

    def __init__(self, dispatcher: Dispatcher, topics: Iterable[str] | None, limit: int) -> None:
        self._dispatcher = dispatcher
        self.topics: set[str] | None = None if topics is None else set(topics)
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(limit)
        self.dropped = False
        self._let_go: asyncio.Event | None = None  # made by the first `until_dropped`

    def join(self, topic: str) -> None:
        self._dispatcher._join(self, topic)

    def leave(self, topic: str) -> None:
        self._dispatcher._leave(self, topic)

    def close(self) -> None:
        self._dispatcher._forget(self)

    def _offer(self, event: Event) -> bool:
        """Queue the event; False (and dropped) when the queue is full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped = True
            while not self._queue.empty():  # make room for the wake-up
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            if self._let_go is not None:
                self._let_go.set()
            return False
        return True

    async def until_dropped(self) -> None:
        """Return once the subscription is let go: for a reader that may be blocked elsewhere
        (sending to a client that stopped reading) when it happens."""
        if self._let_go is None:
            self._let_go = asyncio.Event()
        if not self.dropped:
            await self._let_go.wait()

    async def next(self) -> Event:
        event = await self._queue.get()
        if event is None:
            raise Dropped("the subscriber fell too far behind")
        return event

    async def batch(self, linger: float = 0.0) -> list[Event]:
        """The next event and every other one queued by then, or `linger` seconds after it
        came (one wake-up for a burst)."""
        events = [await self.next()]
        if linger > 0:
            await asyncio.sleep(linger)
        while not self._queue.empty():
            event = self._queue.get_nowait()
            if event is None:
                raise Dropped("the subscriber fell too far behind")
            events.append(event)
        return events


class Dispatcher:
    def __init__(
        self, dsn: str, *, retry_seconds: float = 1.0, shared: Shared | None = None
    ) -> None:
        self._dsn = dsn
        self._retry_seconds = retry_seconds
        self._shared = shared if shared is not None and shared.configured else None
        self.source: str | None = None  # "redis" or "postgresql" while it listens
        self._closing = False
        self._by_topic: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._everything: set[Subscription] = set()
        self._delivered: OrderedDict[int, None] = OrderedDict()
        self._arrived: asyncio.Queue[list[int]] = asyncio.Queue()
        self._running: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._lost_at: dt.datetime | None = None  # when the last connection was lost

    # -- subscribers -------------------------------------------------------------------------

    def subscribe(self, topics: Iterable[str] | None = (), *, limit: int = 1000) -> Subscription:
        """A subscription to `topics` (None: every event, for the process's own consumers)."""
        subscription = Subscription(self, topics, limit)
        if subscription.topics is None:
            self._everything.add(subscription)
        else:
            for topic in subscription.topics:
                self._by_topic[topic].add(subscription)
        return subscription

    def _join(self, subscription: Subscription, topic: str) -> None:
        if subscription.topics is not None and not subscription.dropped:
            subscription.topics.add(topic)
            self._by_topic[topic].add(subscription)

    def _leave(self, subscription: Subscription, topic: str) -> None:
        if subscription.topics is not None:
            subscription.topics.discard(topic)
            self._unindex(subscription, topic)

    def _forget(self, subscription: Subscription) -> None:
        self._everything.discard(subscription)
        for topic in subscription.topics or ():
            self._unindex(subscription, topic)

    def _unindex(self, subscription: Subscription, topic: str) -> None:
        subscribers = self._by_topic.get(topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._by_topic[topic]

    # -- running -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (in the background from now on); returns once the first LISTEN is in place,
        or after a first failed attempt (it goes on trying)."""
        if self._running is None:
            self._running = asyncio.create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def close(self) -> None:
        self._closing = True  # (so a cancel a client library turned into an error still ends it)
        if self._running is not None:
            await periodic.stop(self._running)
            self._running = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def _run(self) -> None:
        while not self._closing:
            try:
                switching = await (self._follow() if await self._relayed() else self._listen())
                if switching:
                    continue  # to the other source, at once
            except Exception as error:
                log_failure(log, "events.listen_failed", error)
            await asyncio.sleep(self._retry_seconds)

    async def _relayed(self) -> bool:
        """Whether Redis is reachable and a process relays the announcements to it."""
        if self._shared is None:
            return False
        try:
            return await self._shared.exists(USE, self._shared.key(*LEASE))
        except Unavailable:
            return False

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self._dsn, server_settings={"application_name": "bitnexus-events"}
        )

    async def _follow(self) -> bool:
        """Follow the relay's stream: catch up as `_listen` does, then read back the ids the
        stream announces, until Redis or the relay is gone (True: listen to PostgreSQL)."""
        assert self._shared is not None
        stream, lease = self._shared.key(*STREAM), self._shared.key(*LEASE)
        connection = await self._connect()
        try:
            after = await self._shared.last_entry(USE, stream)  # first: nothing falls between
            self._started("redis")
            await self._caught_up(connection)
            while not self._closing:
                entries = await self._shared.read(USE, stream, after, self._retry_seconds)
                if not entries:
                    if not await self._shared.exists(USE, lease):
                        log.warning("events.relay_gone")
                        return True
                    continue
                after = entries[-1][0]
                ids = [int(i) for _, f in entries for i in f.get(b"ids", b"").split(b",") if i]
                self._deliver(await connection.fetch("SELECT * FROM bitnexus_outbox_read($1)", ids))
            return False  # closed
        except Unavailable as error:
            log.warning("events.redis_lost", error=str(error))
            return True
        finally:
            await self._stopped(connection)

    def _started(self, source: str) -> None:
        self.source = source
        self._listening.set()

    async def _caught_up(self, connection: asyncpg.Connection) -> None:
        if self._lost_at is not None:
            await self._catch_up(connection, self._lost_at - CATCH_UP_MARGIN)
            self._lost_at = None

    async def _stopped(self, connection: asyncpg.Connection) -> None:
        if self._listening.is_set() and self._lost_at is None:
            self._lost_at = utcnow()  # the next source reads from here on
        self._listening.clear()
        self.source = None
        with contextlib.suppress(Exception):
            await connection.close(timeout=2)

    async def _listen(self) -> bool:
        """One connection's life: LISTEN, catch up on what was written since a connection was
        lost, then read back what is announced until this one is lost too (False) or, with
        Redis, until a relay announces to the stream again (True)."""
        connection = await self._connect()
        gone = asyncio.get_running_loop().create_future()

        def announced(_c: object, _pid: int, _channel: str, payload: object) -> None:
            self._arrived.put_nowait([int(i) for i in str(payload).split(",") if i])

        def terminated(_c: object) -> None:
            if not gone.done():
                gone.set_result(None)

        connection.add_termination_listener(terminated)
        try:
            await connection.add_listener(CHANNEL, announced)
            self._started("postgresql")
            await self._caught_up(connection)
            probe_at = time.monotonic() + self._retry_seconds  # with Redis: is a relay back?
            while not gone.done() and not self._closing:
                if self._shared is not None and time.monotonic() >= probe_at:
                    if await self._relayed():
                        return True
                    probe_at = time.monotonic() + self._retry_seconds
                wait = None if self._shared is None else max(probe_at - time.monotonic(), 0)
                reading = asyncio.ensure_future(self._arrived.get())
                await asyncio.wait(
                    {reading, gone}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                if not reading.done():
                    reading.cancel()
                    continue
                ids = reading.result()
                while not self._arrived.empty():  # what arrived together: one read
                    ids += self._arrived.get_nowait()
                rows = await connection.fetch("SELECT * FROM bitnexus_outbox_read($1)", ids)
                self._deliver(rows)
            return False
        finally:
            await self._stopped(connection)

    async def _catch_up(self, connection: asyncpg.Connection, since: dt.datetime) -> None:
        after = 0
        while rows := await connection.fetch(
            "SELECT * FROM bitnexus_outbox_since($1, $2, 10000)", since, after
        ):
            self._deliver(rows)
            after = rows[-1]["id"]

    def _deliver(self, rows: Iterable[asyncpg.Record]) -> None:
        for row in rows:
            if row["id"] in self._delivered:
                continue
            self._delivered[row["id"]] = None
            if len(self._delivered) > REMEMBERED:
                self._delivered.popitem(last=False)
            event = Event.of(row)
            receivers = set(self._everything)
            for topic in event.topics:
                receivers |= self._by_topic.get(topic, set())
            for subscription in receivers:
                if not subscription._offer(event):
                    log.warning("events.subscriber_dropped", topics=len(subscription.topics or ()))
                    self._forget(subscription)


async def prune(db: Database, older_than: dt.timedelta, *, now: dt.datetime | None = None) -> int:
    """Delete events written before `older_than` ago; returns how many."""
    before = (now or utcnow()) - older_than
    total = 0
    async with db.statements() as connection:
        while done := await connection.fetchval("SELECT bitnexus_outbox_prune($1, 10000)", before):
            total += done
    return total


async def run_pruner(db: Database, retention_days: float, every_seconds: float = 3600) -> None:
    async def one_pass() -> None:
        if gone := await prune(db, dt.timedelta(days=retention_days)):
            log.info("events.pruned", events=gone)

    await periodic.every("outbox_pruner", every_seconds, one_pass, failed="events.prune_failed")
