"""The cross-tenant queries: only through the SECURITY DEFINER functions of migrations 0001
and 0036, which check their caller and audit every call."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.schemas import Cursor


async def list_tenants(
    session: AsyncSession, actor_id: uuid.UUID, after: Cursor | None, limit: int
) -> list[RowMapping]:
    result = await session.execute(
        text("SELECT * FROM bitnexus_platform_tenants(:actor, :after_created, :after_id, :limit)"),
        {
            "actor": actor_id,
            "after_created": after.created_at if after else None,
            "after_id": after.id if after else None,
            "limit": limit,
        },
    )
    return list(result.mappings())


async def set_tenant_status(
    session: AsyncSession, actor_id: uuid.UUID, tenant_id: uuid.UUID, status: str
) -> RowMapping | None:
    result = await session.execute(
        text("SELECT * FROM bitnexus_platform_set_tenant_status(:actor, :tenant, :status)"),
        {"actor": actor_id, "tenant": tenant_id, "status": status},
    )
    return result.mappings().first()


async def activity(
    session: AsyncSession, actor_id: uuid.UUID, begin: dt.datetime, finish: dt.datetime
) -> list[RowMapping]:
    result = await session.execute(
        text("SELECT * FROM bitnexus_platform_activity(:actor, :begin, :finish)"),
        {"actor": actor_id, "begin": begin, "finish": finish},
    )
    return list(result.mappings())


async def daily(
    session: AsyncSession, actor_id: uuid.UUID, begin: dt.datetime, finish: dt.datetime
) -> list[RowMapping]:
    result = await session.execute(
        text("SELECT * FROM bitnexus_platform_daily(:actor, :begin, :finish)"),
        {"actor": actor_id, "begin": begin, "finish": finish},
    )
    return list(result.mappings())
