"""What the notification tests share: the outbox's events handed to the notifications, as the
durable consumer does, and a user's notifications read back through the API."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from bitnexus.core.db import set_tenant
from bitnexus.notifications import service
from tests.events import events_of
from tests.factories import Account


async def deliver(app: FastAPI, owner_engine: Engine, tenant_id: str) -> int:
    """Record every event of the organisation as notifications; how many were made."""
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.UUID(tenant_id))
        return await service.record(session, events_of(owner_engine, tenant_id))


async def notifications(who: Account, **params: Any) -> Any:
    r = await who.client.get("/api/v1/notifications", params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()
