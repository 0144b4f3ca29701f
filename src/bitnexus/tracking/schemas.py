"""Request and response shapes of tracked links."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, field_validator

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.tracking.models import LinkStatus

Alias = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,38}[A-Za-z0-9]$", to_lower=True)
]
Utm = Annotated[str, StringConstraints(min_length=1, max_length=100)]
SubId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._~-]{1,100}$")]


class LinkCreate(InputModel):
    product_id: uuid.UUID
    alias: Alias | None = None
    deep_link: AnyHttpUrl | None = None  # a page on the product's site; default its landing page
    utm_source: Utm | None = None
    utm_medium: Utm | None = None
    utm_campaign: Utm | None = None
    utm_content: Utm | None = None
    utm_term: Utm | None = None
    sub_ids: list[SubId] = Field(default_factory=list, max_length=5)

    @field_validator("deep_link")
    @classmethod
    def _short(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and len(str(url)) > 2000:
            raise ValueError("At most 2000 characters.")
        return url


class LinkUpdate(InputModel):
    status: Literal[LinkStatus.active, LinkStatus.paused]


class ClickCounts(OutputModel):
    raw: int = 0  # every visit
    filtered: int = 0  # without bots and prefetches
    unique: int = 0  # filtered, and the visitor's first on this link in 24 hours


class LinkRead(OutputModel):
    id: uuid.UUID
    affiliate_id: uuid.UUID
    product_id: uuid.UUID
    product_title: str
    product_status: str
    code: str
    alias: str | None
    short_url: str
    alias_url: str | None
    destination: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_content: str | None
    utm_term: str | None
    sub_ids: list[str]
    status: LinkStatus
    clicks: ClickCounts
    created_at: dt.datetime
    updated_at: dt.datetime


class LinkPage(OutputModel):
    items: list[LinkRead]
    next_cursor: str | None
