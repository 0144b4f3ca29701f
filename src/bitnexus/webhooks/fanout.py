"""From the outbox to deliveries: each event of a subscribable type becomes one delivery per
endpoint that should hear it. Idempotent: an (endpoint, event) pair is enqueued at most once
(a unique key), so the consumer may hand an event over any number of times."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog import service as catalog
from bitnexus.core import jsontext
from bitnexus.core.consumers import Handler, per_tenant
from bitnexus.core.db import Database, utcnow
from bitnexus.core.events import Event
from bitnexus.core.ids import uuid7
from bitnexus.webhooks import catalogue, repository
from bitnexus.webhooks.models import DeliveryStatus, WebhookEndpoint

log = structlog.get_logger(__name__)
CONSUMER = "webhooks"


def body_of(event: Event) -> str:
    """What every endpoint is sent for `event` (serialised once)."""
    body = {
        "type": event.type,
        "timestamp": event.created_at,
        "event_id": event.id,
        "data": event.data,
    }
    return jsontext.dumps(body).decode()


async def _about_vendor(session: AsyncSession, vendor_id: uuid.UUID, data: dict[str, Any]) -> bool:
    """Whether the event is about one of the vendor's own products or sales: its data names
    the vendor, or else a product of theirs. Anything else is not theirs to hear."""
    try:
        if "vendor_id" in data:
            return uuid.UUID(str(data["vendor_id"])) == vendor_id
        if "product_id" in data:
            product = await catalog.find_product(session, uuid.UUID(str(data["product_id"])))
            return product is not None and product.vendor_id == vendor_id
    except ValueError:
        return False
    return False


def _hears(endpoint: WebhookEndpoint, event: Event) -> bool:
    """Whether the endpoint subscribed to the event's type and existed when it was written
    (an endpoint hears nothing from before it was made)."""
    return event.type in endpoint.event_types and endpoint.created_at <= event.created_at


async def enqueue(session: AsyncSession, events: Sequence[Event]) -> int:
    """Enqueue `events` (of the session's tenant) for its endpoints that should hear them; how
    many deliveries were new. One read of the endpoints and one insert for the lot."""
    events = [event for event in events if event.type in catalogue.EVENT_TYPES]
    endpoints = await repository.enabled(session) if events else []
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for event in events:
        hearing = [
            endpoint
            for endpoint in endpoints
            if _hears(endpoint, event)
            and (
                not endpoint.vendor_scoped
                or (
                    event.type in catalogue.VENDOR_TYPES
                    and await _about_vendor(session, endpoint.owner_id, event.data)
                )
            )
        ]
        body = body_of(event) if hearing else ""
        rows.extend(
            {
                "id": uuid7(),
                "tenant_id": event.tenant_id,
                "endpoint_id": endpoint.id,
                "event_id": event.id,
                "event_type": event.type,
                "body": body,
                "status": DeliveryStatus.pending,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for endpoint in hearing
        )
    return await repository.add_deliveries(session, rows)


async def _enqueue_logged(session: AsyncSession, events: list[Event]) -> None:
    if made := await enqueue(session, events):
        log.info("webhooks.enqueued", events=len(events), deliveries=made)


def enqueuer(db: Database) -> Handler:
    """The webhooks consumer's handler: each tenant's events of a batch in one unit of work
    of that tenant."""

    async def handle(events: Sequence[Event]) -> None:
        theirs = [event for event in events if event.type in catalogue.EVENT_TYPES]
        await per_tenant(db, theirs, _enqueue_logged)

    return handle
