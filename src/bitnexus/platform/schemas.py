"""Shapes of the platform admin's API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from bitnexus.core.schemas import OutputModel


class PlatformTenant(OutputModel):
    id: uuid.UUID
    slug: str
    name: str
    status: Literal["active", "suspended"]
    user_count: int
    created_at: dt.datetime


class PlatformTenantPage(OutputModel):
    items: list[PlatformTenant]
    next_cursor: str | None
