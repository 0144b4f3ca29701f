"""Every query on the notification tables (RLS scopes them to the transaction's tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.bulk import BulkInsert
from bitnexus.notifications.models import Notification, NotificationPreference


async def channels(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], kinds: Sequence[str]
) -> dict[tuple[uuid.UUID, str], str]:
    """The channel each of these users chose for each of `kinds` (those who chose)."""
    rows = await session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.channel,
        ).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind.in_(kinds)
        )
    )
    return {(r[0], r[1]): r[2] for r in rows}


_INSERT = BulkInsert(
    cast(Table, Notification.__table__),
    "ON CONFLICT (tenant_id, user_id, event_id) DO NOTHING"
    " RETURNING id, tenant_id, user_id, kind, title, link",
    only=(
        "tenant_id", "user_id", "event_id", "kind", "title", "body", "link", "mail", "created_at"
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Added:
    id: int
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    title: str
    link: str


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Added]:
    """Add notifications (one statement, however many); one made before for the same event
    and user is left as it is. Returns those added."""
    return [Added(*row) for row in await _INSERT.run(session, rows)]


async def page(
    session: AsyncSession, user_id: uuid.UUID, *, before: int | None, unread: bool, limit: int
) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, ids: Sequence[int] | None, now: dt.datetime
) -> int:
    """Mark these of the user's notifications read (every unread one for `None`)."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return (await session.execute(stmt)).rowcount  # type: ignore[attr-defined, no-any-return]


async def preferences(session: AsyncSession, user_id: uuid.UUID) -> dict[str, str]:
    rows = await session.execute(
        select(NotificationPreference.kind, NotificationPreference.channel).where(
            NotificationPreference.user_id == user_id
        )
    )
    return {r[0]: r[1] for r in rows}


async def set_preferences(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, chosen: dict[str, str]
) -> None:
    if not chosen:
        return
    stmt = insert(NotificationPreference).values(
        [
            {"tenant_id": tenant_id, "user_id": user_id, "kind": k, "channel": c}
            for k, c in chosen.items()
        ]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant_id", "user_id", "kind"], set_={"channel": stmt.excluded.channel}
        )
    )


async def mail_due_tenants(
    session: AsyncSession, max_attempts: int, now: dt.datetime
) -> list[uuid.UUID]:
    """The tenants with notifications to mail at `now` (a platform function)."""
    rows = await session.execute(
        text("SELECT bitnexus_notifications_due(:m, :now)"), {"m": max_attempts, "now": now}
    )
    return list(rows.scalars())


async def claim_mail(
    session: AsyncSession, now: dt.datetime, until: dt.datetime, limit: int, max_attempts: int
) -> list[Notification]:
    """Take up to `limit` notifications due to be mailed, oldest first, for this process until
    `until` (another process skips them meanwhile; a crash frees them then)."""
    due = (
        select(Notification.id)
        .where(
            Notification.mail.is_(True),
            Notification.mailed_at.is_(None),
            Notification.mail_attempts < max_attempts,
            (Notification.mail_next_at.is_(None)) | (Notification.mail_next_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()))
        .values(mail_next_at=until)
        .returning(Notification)
    )
    return list((await session.execute(stmt)).scalars())


async def mailed(session: AsyncSession, notification_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(Notification).where(Notification.id == notification_id).values(mailed_at=now)
    )


async def mail_failed(
    session: AsyncSession, notification_id: int, retry_at: dt.datetime | None
) -> None:
    """One more failed attempt; tried again at `retry_at` (never for None)."""
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(
            mail_attempts=Notification.mail_attempts + 1,
            mail_next_at=retry_at,
            mail=retry_at is not None,
        )
    )
