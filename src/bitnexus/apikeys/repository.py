"""Every query on api_keys."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys.models import ApiKey


async def get(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def listed(session: AsyncSession, user_id: uuid.UUID | None) -> list[ApiKey]:
    """Keys newest first: one user's, or the whole tenant's when `user_id` is None."""
    stmt = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if user_id is not None:
        stmt = stmt.where(ApiKey.user_id == user_id)
    return list((await session.execute(stmt)).scalars())
