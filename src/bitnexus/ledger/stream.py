"""Server-Sent Events of the caller's ledger: the outbox's events on its `ledger:{tenant}` topic
(sealed checkpoints as `block`, transactions as `transaction` once they are announced, any
other ledger event under its own type), handed over by the dispatcher as they commit.

A stream resumes from `Last-Event-ID` (the id of the last outbox event it sent): what the
outbox still holds after it comes first, then the live events, none twice (`core.feed`).
Nothing polls the database; between events the stream holds no connection. The caller is
checked again at least every `recheck_seconds`, and the stream ends once they may no longer
read it (token expired, user or tenant suspended, role or password changed).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from bitnexus.core.db import Database
from bitnexus.core.errors import BadRequest, FieldError
from bitnexus.core.events import Dispatcher, Dropped, Event
from bitnexus.core.feed import Seen, backlog
from bitnexus.core.inputs import INT64_MAX
from bitnexus.core.outbox import ledger_topic

HEARTBEAT_SECONDS = 15.0
PAGE = 500  # events read from the outbox at a time when resuming
# the SSE event names of the ledger's outbox events (others keep their type as their name)
NAMES = {"ledger.checkpoint": "block", "ledger.transaction": "transaction"}

_EVENT_ID = re.compile(r"[0-9]{1,19}")


def parse_last_event_id(value: str | None) -> int | None:
    """The id of the last event the client saw (None: start from now). A value this stream
    never sent (malformed, or past a bigint) is refused before the stream starts."""
    if value is None:
        return None
    if _EVENT_ID.fullmatch(value) is None or int(value) > INT64_MAX:
        raise BadRequest(
            "Resume from an event id this stream sent.",
            errors=[FieldError("Last-Event-ID", "Expected the id of an event, as sent.")],
        )
    return int(value)


def frame(event: Event) -> bytes:
    """One SSE event: the outbox event's JSON as the dispatcher serialised it."""
    name = NAMES.get(event.type, event.type)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.id, name.encode(), event.json)


async def events(
    dispatcher: Dispatcher,
    db: Database,
    tenant_id: uuid.UUID,
    after: int | None,
    disconnected: Callable[[], Awaitable[bool]],
    allowed: Callable[[], Awaitable[bool]],
    recheck_seconds: float,
) -> AsyncIterator[bytes]:
    topic = ledger_topic(tenant_id)
    subscription = dispatcher.subscribe([topic])  # first: what commits from now on is kept
    try:
        yield b"retry: 3000\n\n"
        seen = Seen()
        while after is not None:
            page = await backlog(db, tenant_id, topic, after, PAGE)
            for missed in page:
                yield frame(missed)
            seen.add(missed.id for missed in page)
            after = page[-1].id if len(page) == PAGE else None
        checked = spoke = time.monotonic()
        while not await disconnected():
            now = time.monotonic()
            wait = min(checked + recheck_seconds, spoke + HEARTBEAT_SECONDS) - now
            try:
                event: Event | None = await asyncio.wait_for(subscription.next(), max(wait, 0))
            except TimeoutError:
                event = None
            except Dropped:
                return  # fell behind: the client reconnects with Last-Event-ID and resumes
            now = time.monotonic()
            if now - checked >= recheck_seconds:
                if not await allowed():
                    return
                checked = now
            if event is not None and event.id not in seen:
                yield frame(event)
                spoke = now
            elif now - spoke >= HEARTBEAT_SECONDS:
                yield b": keep-alive\n\n"
                spoke = now
    finally:
        subscription.close()
