"""Every query on the webhook tables."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.bulk import BulkInsert
from bitnexus.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def endpoints(session: AsyncSession, owner_id: uuid.UUID | None) -> list[WebhookEndpoint]:
    """Endpoints newest first: one owner's, or the whole tenant's when `owner_id` is None."""
    stmt = select(WebhookEndpoint).order_by(
        WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc()
    )
    if owner_id is not None:
        stmt = stmt.where(WebhookEndpoint.owner_id == owner_id)
    return list((await session.execute(stmt)).scalars())


async def owned(session: AsyncSession, owner_id: uuid.UUID) -> int:
    """How many endpoints one user has."""
    stmt = select(func.count()).where(WebhookEndpoint.owner_id == owner_id)
    return int((await session.execute(stmt)).scalar_one())


async def enabled(session: AsyncSession) -> list[WebhookEndpoint]:
    """The tenant's enabled endpoints."""
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.enabled)
    return list((await session.execute(stmt)).scalars())


_ADD_DELIVERIES = BulkInsert(
    cast(Table, WebhookDelivery.__table__),
    "ON CONFLICT (tenant_id, endpoint_id, event_id) DO NOTHING RETURNING id",
    only=(
        "id", "tenant_id", "endpoint_id", "event_id", "event_type", "body", "status",
        "attempts", "next_attempt_at", "created_at",
    ),
)  # fmt: skip


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert deliveries (one statement, however many), skipping any (endpoint, event)
    already enqueued; returns how many were new."""
    return len(await _ADD_DELIVERIES.run(session, rows))


async def deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, limit: int
) -> list[WebhookDelivery]:
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def delivery(
    session: AsyncSession, delivery_id: uuid.UUID, *, lock: bool = False, skip_locked: bool = False
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if lock:
        stmt = stmt.with_for_update(skip_locked=skip_locked)
    return (await session.execute(stmt)).scalar_one_or_none()


async def attempts(session: AsyncSession, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def due(
    session: AsyncSession, now: dt.datetime, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, delivery) of deliveries due by `now` in every tenant, oldest due first
    (`bitnexus_webhooks_due`, migration 0035: the job then reads each in its tenant)."""
    rows = await session.execute(
        text("SELECT tenant_id, id FROM bitnexus_webhooks_due(:now, :limit)"),
        {"now": now, "limit": limit},
    )
    return [(r.tenant_id, r.id) for r in rows]


async def prune(session: AsyncSession, before: dt.datetime, limit: int) -> int:
    """Delete up to `limit` finished deliveries (and their attempts) made before `before`, in
    every tenant (`bitnexus_webhooks_prune`, migration 0035); returns how many."""
    gone = await session.execute(
        text("SELECT bitnexus_webhooks_prune(:before, :limit)"), {"before": before, "limit": limit}
    )
    return int(gone.scalar_one())
