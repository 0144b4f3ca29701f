"""Shapes of the API-key endpoints."""

from __future__ import annotations

import datetime as dt
import uuid

from bitnexus.apikeys.models import Mode, Scope
from bitnexus.core.schemas import InputModel, Name, OutputModel


class ApiKeyCreate(InputModel):
    name: Name
    scope: Scope
    mode: Mode = Mode.live


class ApiKeyRead(OutputModel):
    id: uuid.UUID
    name: str
    scope: Scope
    mode: Mode
    user_id: uuid.UUID
    display: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(OutputModel):
    key: ApiKeyRead
    secret: str
