"""From the outbox to deliveries: each event of a subscribable type becomes one delivery per
endpoint that should hear it. Idempotent: an (endpoint, event) pair is enqueued at most once
(a unique key), so the consumer may hand an event over any number of times."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog import service as catalog
from bitnexus.core import jsontext
from bitnexus.core.consumers import Handler
from bitnexus.core.db import Database, set_tenant, utcnow
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


async def enqueue(session: AsyncSession, event: Event) -> int:
    """Enqueue `event` for the session's tenant's endpoints that should hear it; returns how
    many deliveries were new."""
    if event.type not in catalogue.EVENT_TYPES:
        return 0
    hearing: list[WebhookEndpoint] = [
        endpoint
        for endpoint in await repository.subscribed(session, event.type, event.created_at)
        if not endpoint.vendor_scoped
        or (
            event.type in catalogue.VENDOR_TYPES
            and await _about_vendor(session, endpoint.owner_id, event.data)
        )
    ]
    if not hearing:
        return 0
    body, now = body_of(event), utcnow()
    rows = [
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
    ]
    return await repository.add_deliveries(session, rows)


def enqueuer(db: Database) -> Handler:
    """The webhooks consumer's handler: each event in a unit of work of its tenant."""

    async def handle(event: Event) -> None:
        if event.type not in catalogue.EVENT_TYPES:
            return
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, event.tenant_id)
            if made := await enqueue(session, event):
                log.info("webhooks.enqueued", event_id=event.id, deliveries=made)

    return handle
