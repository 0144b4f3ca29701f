"""Reading what a scenario announced: the outbox's events of one organisation, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.events import Event


def events_of(owner_engine: Engine, tenant_id: str, *types: str) -> list[Event]:
    """The organisation's events of these types (all when none given), as a dispatcher hands
    them to in-process consumers (without their serialised form)."""
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, tenant_id, type, topics, data, created_at FROM outbox_events"
                " WHERE tenant_id = :t"
                " AND (cardinality(CAST(:types AS text[])) = 0 OR type = ANY(:types)) ORDER BY id"
            ),
            {"t": tenant_id, "types": list(types)},
        ).all()
    return [Event(r[0], r[1], r[2], tuple(r[3]), r[4], r[5], b"") for r in rows]


def announced(owner_engine: Engine, tenant_id: str, *types: str) -> list[dict[str, Any]]:
    """The organisation's events of these types (all when none given): type, topics, data."""
    return [
        {"type": e.type, "topics": list(e.topics), "data": e.data}
        for e in events_of(owner_engine, tenant_id, *types)
    ]
