"""Shapes of the notification API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.notifications.kinds import Channel, Kind


class NotificationRead(OutputModel):
    id: int
    kind: Kind
    title: str
    body: str
    link: str  # a path in the app
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(OutputModel):
    items: list[NotificationRead]
    unread: int  # the user's unread notifications, all of them
    next_cursor: str | None


class UnreadCount(OutputModel):
    unread: int


# within the integers JSON carries exactly (I-JSON, RFC 7493): identity ids never reach it
NotificationId = Annotated[int, Field(strict=True, ge=1, le=2**53 - 1)]


class MarkRead(InputModel):
    ids: list[NotificationId] | None = Field(
        default=None,
        max_length=500,
        description="Those to mark read; every unread one if left out.",
    )


class Preference(OutputModel):
    kind: Kind
    label: str
    channel: Channel
    default: Channel


class PreferencesUpdate(InputModel):
    channels: dict[Kind, Channel] = Field(description="The kinds to change and their channel.")
