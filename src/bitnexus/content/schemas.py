"""Request and response shapes of marketing content."""

from __future__ import annotations

import datetime as dt
import uuid

from bitnexus.content.platforms import Length, Platform, Tone
from bitnexus.core.schemas import InputModel, OutputModel


class GenerationCreate(InputModel):
    product_id: uuid.UUID
    platform: Platform
    tone: Tone = Tone.friendly
    length: Length = Length.medium


class GenerationRead(OutputModel):
    id: uuid.UUID
    affiliate_id: uuid.UUID
    product_id: uuid.UUID
    product_title: str
    platform: Platform
    tone: Tone
    length: Length
    provider: str
    short_url: str
    subject: str | None  # email only
    text: str  # the post, with the short link and the disclosure in it
    counted_length: int  # as the platform counts (X: every URL is 23)
    limit: int
    subject_limit: int | None
    credits: int
    created_at: dt.datetime


class GenerationPage(OutputModel):
    items: list[GenerationRead]
    next_cursor: str | None


class CreditsRead(OutputModel):
    monthly: int  # the organisation's quota per calendar month (UTC)
    used: int
    remaining: int
    cost_per_generation: int
    month_start: dt.date
    resets_at: dt.datetime


class PlatformRead(OutputModel):
    platform: Platform
    label: str
    limit: int
    subject_limit: int | None
    counts_urls_as: int | None  # X: every URL counts as 23 characters
    max_hashtags: int | None


class ContentOptions(OutputModel):
    platforms: list[PlatformRead]
    tones: list[Tone]
    lengths: list[Length]
    provider: str
    disclosure: str
