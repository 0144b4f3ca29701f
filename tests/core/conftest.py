"""Fixtures of the core tests."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.logging import configure_logging


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[list[str]]:
    """The lines the app logs while the test runs, as the configured (JSON) formatter writes
    them."""
    configure_logging("INFO", "json")  # as the session's database fixture does
    root = logging.getLogger()
    handler = _Capture()
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)


@asynccontextmanager
async def tenant_session_with(
    db_urls: DatabaseUrls, *statements: str
) -> AsyncIterator[AsyncSession]:
    """A unit of work of a new tenant in which `statements` ran first (temporary tables made
    `ON COMMIT DROP` go with it)."""
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.uuid4())
            for statement in statements:
                await session.execute(text(statement))
            yield session
    finally:
        await db.dispose()
