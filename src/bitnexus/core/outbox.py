"""The transactional outbox: a domain event is a row written in the same transaction as the
change it reports, so it exists exactly when the change does.

`emit` adds events to the caller's unit of work. When that transaction commits, PostgreSQL
notifies every listening process of the new ids (a statement trigger calls `pg_notify`, which
is itself transactional: a rolled-back change notifies nobody, and a committed one is
announced even if the process that made it dies the next instant). Each process's
`core.events.Dispatcher` reads the events back and hands them to its subscribers.

An event names the topics it concerns (`user:{id}`, `tenant:{id}`, `admins:{tenant}`,
`ledger:{tenant}`), which decide who may hear it live, and carries its data as JSON. Rows
are kept for `outbox_retention_days` (for reconnecting clients and catching-up jobs), then
pruned.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core import jsontext
from bitnexus.core.bulk import BulkInsert
from bitnexus.core.db import Base, identified_by

CHANNEL = "bitnexus_outbox"  # the NOTIFY channel; each payload is a comma-separated id list


class OutboxEvent(Base):
    """A domain event, written with the change it reports (migration 0033)."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        Index("ix_outbox_events_id", "id"),  # the dispatcher reads across organisations
        Index("ix_outbox_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    __mapper_args__ = identified_by(id)
    # typed here, not by its foreign key: a process that loads no tenants table still writes it
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id"))
    type: Mapped[str] = mapped_column(String(64))  # e.g. "commission.created"
    topics: Mapped[list[str]] = mapped_column(JSONB)  # who may hear it live
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


def user_topic(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def tenant_topic(tenant_id: uuid.UUID) -> str:
    return f"tenant:{tenant_id}"


def admins_topic(tenant_id: uuid.UUID) -> str:
    """What only the organisation's admins hear (the vetting and fraud queues growing)."""
    return f"admins:{tenant_id}"


def ledger_topic(tenant_id: uuid.UUID) -> str:
    return f"ledger:{tenant_id}"


TOPIC_KINDS = ("user", "tenant", "admins", "ledger")


def topic_parts(topic: str) -> tuple[str, uuid.UUID] | None:
    """A topic's kind and id, as the functions above write it; None for any other string
    (another spelling of the id included: it would match no event)."""
    kind, _, ident = topic.partition(":")
    try:
        parsed = uuid.UUID(ident)
    except ValueError:
        return None
    return (kind, parsed) if kind in TOPIC_KINDS and str(parsed) == ident else None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be written: its tenant, type, topics and data (JSON-serialisable:
    orjson writes UUIDs and datetimes itself)."""

    tenant_id: uuid.UUID
    type: str
    data: Mapping[str, Any]
    topics: Sequence[str] = field(default_factory=tuple)


_INSERT = BulkInsert(
    cast(Table, OutboxEvent.__table__), only=("tenant_id", "type", "topics", "data")
)


async def emit(session: AsyncSession, *events: NewEvent) -> None:
    """Write `events` in the session's transaction (scoped to their tenant by `set_tenant`):
    one statement however many, announced to every process once the transaction commits."""
    await _INSERT.run(
        session,
        [
            {
                "tenant_id": e.tenant_id,
                "type": e.type,
                "topics": jsontext.dumps(list(e.topics)).decode(),
                "data": jsontext.dumps(e.data).decode(),
            }
            for e in events
        ],
    )
