"""Every query on api_keys."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys.models import ApiKey, Mode


async def get(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def touch(
    session: AsyncSession, key_id: uuid.UUID, now: dt.datetime, resolution: dt.timedelta
) -> None:
    """Note that the key was used, unless it was noted less than `resolution` ago or another
    transaction is noting it right now: a key's row is never waited for, so requests with the
    same key never queue behind each other's units of work."""
    stale = (
        select(ApiKey.id)
        .where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - resolution),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    await session.execute(
        update(ApiKey)
        .where(ApiKey.id == stale)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


async def listed(session: AsyncSession, user_id: uuid.UUID | None) -> list[ApiKey]:
    """Keys newest first: one user's, or the whole tenant's when `user_id` is None."""
    stmt = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if user_id is not None:
        stmt = stmt.where(ApiKey.user_id == user_id)
    return list((await session.execute(stmt)).scalars())


async def test_key_used(session: AsyncSession) -> bool:
    used = exists().where(ApiKey.mode == Mode.test, ApiKey.last_used_at.is_not(None))
    return bool((await session.execute(select(used))).scalar())
