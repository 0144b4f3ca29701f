"""Reading a topic from a known event on: what the outbox still holds after it (the backlog),
then the dispatcher's live events, with no gap and no duplicate at the switch.

A reader subscribes to the topic first and reads the backlog second, so an event committed in
between is in both: the ids sent from the backlog are remembered (`Seen`) and skipped when
they arrive live. Ids are taken in one order and committed in another, so "after" is the
newest id the reader saw, and an event with a smaller id that commits later still arrives live.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from sqlalchemy import text

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.events import Event

# how long an id sent from a backlog is remembered: its live copy arrives within the
# dispatcher's delay (milliseconds, or its catch-up after a lost connection)
SEEN_SECONDS = 60.0

_BACKLOG = text(
    "SELECT id, tenant_id, type, CAST(topics AS text) AS topics, CAST(data AS text) AS data,"
    " created_at FROM outbox_events"
    " WHERE topics @> jsonb_build_array(CAST(:topic AS text)) AND id > :after"
    " ORDER BY id LIMIT :limit"
)


async def backlog(
    db: Database, tenant_id: uuid.UUID, topic: str, after: int, limit: int
) -> list[Event]:
    """The events of `topic` after id `after` still in the outbox, oldest first, at most
    `limit`: read as the tenant, under row-level security, in a unit of work of its own."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        rows = await session.execute(_BACKLOG, {"topic": topic, "after": after, "limit": limit})
        return [Event.of(row) for row in rows.mappings()]


class Seen:
    """The ids a reader sent from a backlog, for `SEEN_SECONDS`: their live copies are
    skipped. Empty (and free) while no resume is recent."""

    __slots__ = ("_until",)

    def __init__(self) -> None:
        self._until: dict[int, float] = {}

    def add(self, ids: Iterable[int]) -> None:
        until = time.monotonic() + SEEN_SECONDS
        self._until.update(dict.fromkeys(ids, until))

    def __contains__(self, event_id: int) -> bool:
        if not self._until:
            return False
        now = time.monotonic()
        while self._until:  # oldest first: forget the expired ones at the front
            oldest = next(iter(self._until))
            if self._until[oldest] >= now:
                break
            del self._until[oldest]
        return event_id in self._until
