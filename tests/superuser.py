"""Asking the embedded server's superuser, for what only it may see or do (every backend's
state in `pg_stat_activity`, terminating another role's connection)."""

from __future__ import annotations

from typing import Any

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls


async def superuser_value(db_urls: DatabaseUrls, query: str) -> Any:
    """The value `query` (one row, one column) answers, run as the superuser."""
    assert db_urls.superuser is not None, "the session's PostgreSQL is the embedded one"
    su = Database(db_urls.superuser, pool_size=1)
    try:
        async with su.statements() as connection:
            return await connection.fetchval(query)
    finally:
        await su.dispose()


async def superuser_count(db_urls: DatabaseUrls, query: str) -> int:
    """The integer `query` (one row, one column) answers, run as the superuser."""
    found: int = await superuser_value(db_urls, query)
    return found
