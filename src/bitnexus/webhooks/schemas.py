"""Shapes of the webhook endpoints API."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.webhooks import catalogue
from bitnexus.webhooks.addresses import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
Description = Annotated[str, StringConstraints(max_length=500)]
# the catalogue's types, so the document lists them (a role may subscribe to some only)
EventType = StrEnum(  # type: ignore[misc]
    "EventType", {t.replace(".", "_"): t for t in catalogue.EVENT_TYPES}
)
EventTypes = Annotated[list[EventType], Field(max_length=len(catalogue.EVENT_TYPES))]


class EndpointCreate(InputModel):
    url: Url
    event_types: EventTypes = Field(min_length=1)
    description: Description = ""
    enabled: bool = True


class EndpointUpdate(InputModel):
    """Only the fields sent change."""

    url: Url | None = None
    event_types: EventTypes | None = Field(None, min_length=1)
    description: Description | None = None
    enabled: bool | None = None


class SecretRotate(InputModel):
    # how long the replaced secret still signs (both signatures are sent meanwhile)
    overlap_hours: int = Field(24, ge=0, le=168)


class EndpointRead(OutputModel):
    id: uuid.UUID
    owner_id: uuid.UUID
    vendor_scoped: bool
    url: str
    description: str
    event_types: list[EventType]
    enabled: bool
    disabled_reason: str | None
    previous_secret_until: dt.datetime | None
    consecutive_failures: int
    failing_since: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecret(OutputModel):
    """An endpoint and its signing secret: shown in this response only."""

    endpoint: EndpointRead
    secret: str


class EventTypeRead(OutputModel):
    type: EventType
    description: str


class AttemptRead(OutputModel):
    id: uuid.UUID
    attempted_at: dt.datetime
    url: str
    request_headers: dict[str, Any]
    request_body: str
    response_status: int | None
    response_headers: dict[str, Any] | None
    response_body: str | None
    error: str | None
    duration_ms: int


class DeliveryRead(OutputModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: int | None
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    message_id: str


class DeliveryDetail(DeliveryRead):
    body: str
    attempt_log: list[AttemptRead]
