"""Request-scoped dependencies shared by every router: settings and the unit of work (and the
read-only one a replica may serve)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, NewType

import structlog
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, Setting, set_tenant
from bitnexus.core.errors import BitnexusError, ReplicaConflict
from bitnexus.core.outage import unreachable
from bitnexus.core.replicas import Reads, recovery_conflict
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


# A session of a read-only unit of work, which a replica may serve (`read_transaction`): what it
# reads may lag the primary by up to BITNEXUS_REPLICA_MAX_LAG_SECONDS, and it cannot write.
ReadSession = NewType("ReadSession", AsyncSession)


def get_reads(request: Request) -> Reads:
    return reads_of(request.app.state)


def reads_of(state: State) -> Reads:
    """The app's read targets (`Reads`)."""
    reads: Reads | None = getattr(state, "reads", None)
    if reads is None:  # an app started without its lifespan (tests): the primary only
        reads = state.reads = Reads(state.db)
    return reads


@asynccontextmanager
async def read_transaction(
    reads: Reads,
    tenant_id: uuid.UUID,
    ready: Callable[[AsyncSession], Awaitable[bool]] | None = None,
    settings: Sequence[Setting] = (),
) -> AsyncIterator[ReadSession]:
    """One read-only unit of work scoped to a tenant, on a usable replica or else the primary.

    A replica that fails as the transaction begins is skipped (until a measurement finds it
    back) and the next one tried, the primary last: a dead replica never fails a request. One
    that fails under a statement fails this unit of work (503, as any lost connection) and is
    skipped by the next ones; a read the replica cancels to replay the primary's changes answers
    503 too, with Retry-After. `ready`, the transaction's first read, says whether a replica
    has what the unit needs (the caller as the primary has them); one that has not is passed
    over for this unit of work only (on the primary, its answer is not looked at). `settings`:
    the transaction's own (`core.db.configure`), carried by its BEGIN."""
    for target in reads.targets():
        session = target.sessionmaker()
        try:
            await set_tenant(session, tenant_id, settings)  # BEGIN READ ONLY and all, one trip
        except BaseException as error:
            await session.close()
            if target.replica is None or not isinstance(error, Exception):
                raise
            await reads.failed(target.replica, error)
            continue
        if ready is not None and not await ready(session) and target.replica is not None:
            await session.close()
            continue
        break
    reads.served(target)
    try:
        yield ReadSession(session)
    except BaseException as error:
        if target.replica is not None and unreachable(error):
            await reads.failed(target.replica, error)
        if target.replica is not None and recovery_conflict(error):
            raise ReplicaConflict from error  # 503: asked again, it is served
        raise
    finally:
        # ends it: a read-only transaction has nothing to commit, and closing the session
        # rolls it back in the round trip a COMMIT would take, without the session's commit
        await session.close()
