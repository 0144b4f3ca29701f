"""Notifications: each domain event that concerns people (`kinds.KIND_OF`) becomes a
notification for each of them, unless they turned that kind off; read in the app's
notification centre, and mailed for kinds on the `mail` channel.

Who is told is what the event's topics say: `user:{id}` that user, `admins:{tenant}` the
organisation's active admins (`tenant:` announcements are not notifications). An event is
recorded at most once per user (its outbox id is part of the key), so recording it again —
a consumer reads events at least once — changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service import users as accounts
from bitnexus.core.consumers import Handler, per_tenant
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.errors import InvalidInput
from bitnexus.core.events import Event
from bitnexus.core.outbox import NewEvent, emit, topic_parts, user_topic
from bitnexus.core.schemas import decode_keys, encode_keys
from bitnexus.notifications import repository
from bitnexus.notifications import unsubscribe as unsubscribe_links
from bitnexus.notifications.kinds import KIND_OF, SPECS, Channel, Kind, Spec, Told
from bitnexus.notifications.schemas import (
    NotificationPage,
    NotificationRead,
    Preference,
    UnreadCount,
)

log = structlog.get_logger(__name__)

PAGE = 50
CONSUMER = "notifications"  # the durable outbox consumer that records them (core.consumers)


async def record(session: AsyncSession, events: Sequence[Event]) -> int:
    """The notifications `events` make (of the session's tenant, in its transaction), each
    announced to its user (`notification.created`, for the bell); how many are new. One read
    of the admins, one of the users' choices and one insert for the lot."""
    told: list[tuple[Event, Spec, Told, set[uuid.UUID], bool]] = []
    for event in events:
        kind = KIND_OF.get(event.type)
        if kind is None:
            continue
        spec = SPECS[kind]
        try:
            words = spec.tell(event.type, event.data)
        except (KeyError, TypeError, ValueError):  # not the data this type is written with
            log.warning("notifications.unreadable_event", event_id=event.id, type=event.type)
            continue
        named = [parts for parts in map(topic_parts, event.topics) if parts is not None]
        users = {ident for kind, ident in named if kind == "user"} if spec.to_user else set()
        to_admins = spec.to_admins and any(kind == "admins" for kind, _ in named)
        told.append((event, spec, words, users, to_admins))
    if not told:
        return 0
    admins = set(await accounts.active_admin_ids(session)) if any(t[4] for t in told) else set()
    chosen = await repository.channels(
        session,
        sorted(admins.union(*(t[3] for t in told))),
        sorted({t[1].kind for t in told}),
    )
    rows = []
    for event, spec, words, users, to_admins in told:
        also = admins - users if to_admins else set()
        for user_id in sorted(users | also):
            channel = Channel(chosen.get((user_id, spec.kind), spec.default))
            if channel is Channel.off:
                continue
            rows.append(
                {
                    "tenant_id": event.tenant_id,
                    "user_id": user_id,
                    "event_id": event.id,
                    "kind": spec.kind,
                    "title": words.title[:200],
                    "body": words.body,
                    "link": (spec.admin_link or words.link) if user_id in also else words.link,
                    "mail": channel is Channel.mail,
                    "created_at": event.created_at,
                }
            )
    added = await repository.insert_new(session, rows)
    await emit(
        session,
        *(
            NewEvent(
                n.tenant_id,
                "notification.created",
                {"id": n.id, "kind": n.kind, "title": n.title, "link": n.link},
                [user_topic(n.user_id)],
            )
            for n in added
        ),
    )
    return len(added)


def recorder(db: Database) -> Handler:
    """The notifications consumer's handler: each tenant's events of a batch in one unit of
    work of that tenant."""

    async def handle(events: Sequence[Event]) -> None:
        await per_tenant(db, [e for e in events if e.type in KIND_OF], record)

    return handle


async def page(
    session: AsyncSession, user_id: uuid.UUID, *, cursor: str | None, unread: bool, limit: int
) -> NotificationPage:
    """The user's notifications, newest first (`cursor`: the last page's `next_cursor`)."""
    keys = decode_keys(cursor, expect=(int,))
    before = int(keys[0]) if keys else None  # type: ignore[arg-type]
    rows = await repository.page(session, user_id, before=before, unread=unread, limit=limit + 1)
    shown = rows[:limit]
    return NotificationPage(
        items=[NotificationRead.model_validate(n) for n in shown],
        unread=await repository.unread_count(session, user_id),
        next_cursor=encode_keys(shown[-1].id) if len(rows) > limit else None,
    )


async def unread(session: AsyncSession, user_id: uuid.UUID) -> UnreadCount:
    return UnreadCount(unread=await repository.unread_count(session, user_id))


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, ids: Sequence[int] | None
) -> UnreadCount:
    """Mark the user's notifications read (ids not theirs are ignored); what is left unread."""
    await repository.mark_read(session, user_id, ids, utcnow())
    return await unread(session, user_id)


async def preferences(session: AsyncSession, user_id: uuid.UUID) -> list[Preference]:
    chosen = await repository.preferences(session, user_id)
    return [
        Preference(
            kind=kind,
            label=spec.label,
            channel=Channel(chosen.get(kind, spec.default)),
            default=spec.default,
        )
        for kind, spec in SPECS.items()
    ]


async def set_preferences(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    channels: dict[Kind, Channel],
) -> list[Preference]:
    await repository.set_preferences(
        session, tenant_id, user_id, {str(k): str(c) for k, c in channels.items()}
    )
    return await preferences(session, user_id)


async def unsubscribe(session: AsyncSession, secret: str, raw_token: str) -> Preference:
    """Stop the mail of the kind a one-click link names (its notifications stay in the app;
    a kind already off stays off)."""
    found = unsubscribe_links.read(secret, raw_token)
    if found is None:
        raise InvalidInput("token", "This unsubscribe link is not valid.")
    await set_tenant(session, found.tenant_id)
    if await accounts.active_users(session, [found.user_id]) == {}:
        raise InvalidInput("token", "This unsubscribe link is not valid.")
    current = {p.kind: p for p in await preferences(session, found.user_id)}[found.kind]
    if current.channel is Channel.mail:
        await repository.set_preferences(
            session, found.tenant_id, found.user_id, {found.kind.value: Channel.in_app.value}
        )
        current = current.model_copy(update={"channel": Channel.in_app})
    return current
