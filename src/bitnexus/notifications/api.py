"""The caller's notifications and their choice of channel per kind."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bitnexus.auth import CurrentPrincipal
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, InvalidInput, errors_for
from bitnexus.notifications import service
from bitnexus.notifications.schemas import (
    MarkRead,
    NotificationPage,
    Preference,
    PreferencesUpdate,
    UnreadCount,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])
public_router = APIRouter(prefix="/public/notifications", tags=["public"])


@router.get("", responses=errors_for(BadRequest))
async def list_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: str | None = None,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = service.PAGE,
) -> NotificationPage:
    """Your notifications, newest first, with how many are unread."""
    return await service.page(session, principal.user.id, cursor=cursor, unread=unread, limit=limit)


@router.get("/unread")
async def unread_count(principal: CurrentPrincipal, session: SessionDep) -> UnreadCount:
    """How many of your notifications are unread (the bell's count)."""
    return await service.unread(session, principal.user.id)


@router.post("/read", responses=errors_for(InvalidInput))
async def mark_read(
    body: MarkRead, principal: CurrentPrincipal, session: SessionDep
) -> UnreadCount:
    """Mark notifications read: those given, or every unread one."""
    return await service.mark_read(session, principal.user.id, body.ids)


@router.get("/preferences")
async def get_preferences(principal: CurrentPrincipal, session: SessionDep) -> list[Preference]:
    """For each kind of notification: by mail (and in the app), in the app only, or off."""
    return await service.preferences(session, principal.user.id)


@router.put("/preferences", responses=errors_for(InvalidInput))
async def set_preferences(
    body: PreferencesUpdate, principal: CurrentPrincipal, session: SessionDep
) -> list[Preference]:
    """Change the channel of some kinds of notification."""
    return await service.set_preferences(
        session, principal.tenant.id, principal.user.id, body.channels
    )


@public_router.post("/unsubscribe", responses=errors_for(InvalidInput))
async def unsubscribe(
    token: Annotated[str, Query(min_length=1, max_length=200)],
    session: SessionDep,
    settings: SettingsDep,
) -> Preference:
    """One-click unsubscribe (RFC 8058) from the mail of one kind of notification: the link of
    every notification mail (`List-Unsubscribe`), no login needed. The notifications stay in
    the app."""
    return await service.unsubscribe(session, settings.secret, token)
