"""Shapes of the webhook endpoints API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.webhooks.addresses import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
Description = Annotated[str, StringConstraints(max_length=500)]
EventTypes = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=50)]


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
    event_types: list[str]
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
    type: str
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
