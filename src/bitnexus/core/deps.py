"""Request-scoped dependencies shared by every router: settings and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.errors import BitnexusError
from bitnexus.core.uow import take_after_commit

log = structlog.get_logger(__name__)


async def get_settings(request: Request) -> Settings:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per request
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block ends, roll back when it raises.

    Errors marked `keep_changes` (a counted login failure, a revoked token family) commit what
    was written before they were raised. Work registered with `after_commit` runs only after a
    successful commit.
    """
    async with db.sessionmaker() as session:
        await session.begin()
        try:
            yield session
        except BitnexusError as exc:
            if exc.keep_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
            for callback in take_after_commit(session):
                await callback()


async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (`transaction`)."""
    async with transaction(get_database(request)) as session:
        yield session


# scope="function": the transaction ends when the handler returns, before the response is sent,
# so a failed commit becomes an error response instead of a lost write behind a 200.
SessionDep = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
