"""Reading what a scenario announced: the outbox's events of one organisation, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine


def announced(owner_engine: Engine, tenant_id: str, *types: str) -> list[dict[str, Any]]:
    """The organisation's events of these types (all when none given): type, topics, data."""
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT type, topics, data FROM outbox_events WHERE tenant_id = :t"
                " AND (cardinality(CAST(:types AS text[])) = 0 OR type = ANY(:types)) ORDER BY id"
            ),
            {"t": tenant_id, "types": list(types)},
        ).all()
    return [{"type": t, "topics": topics, "data": data} for t, topics, data in rows]
