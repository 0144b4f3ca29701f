"""Group commit: concurrent requests of one process share a unit of work per tenant.

A caller submits an item and awaits its outcome. While a tenant's batch commits, the items that
arrive queue up; they go out together as the next batch, which `write` records in one unit of
work with one outcome per item. Each caller gets its own outcome once that commit is durable,
exactly as if it had submitted alone: a result, or the error that refused its item (nothing
written for it, the rest of the batch written all the same), or `LATER` — the item could not
be decided in this batch and is submitted again after `later_seconds`. A failed unit of work
(e.g. the database went away mid-commit) is retried item by item, so one failure never fails
its neighbours; `write` must make a retry safe (idempotency keys, unique constraints).

A batch is one process's: many processes each run their own, and the database keeps them
apart. `TenantUnits` is group commit over the database: each batch is one unit of work scoped
to its tenant.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.errors import BitnexusError
from bitnexus.core.outage import unavailable_cause

log = structlog.get_logger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


class Later:
    """An outcome: decide this item in a later batch."""


LATER = Later()

_Waiting = tuple[Item, "asyncio.Future[Result]"]


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        write: Callable[
            [uuid.UUID, Sequence[Item]], Awaitable[Sequence[Result | BitnexusError | Later]]
        ],
        *,
        max_batch: int = 500,
        in_flight: int = 2,
        later_seconds: float = 0.02,
        gather_seconds: float = 0.0,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._in_flight = in_flight  # batches per tenant at once: one fills while one commits
        self._later_seconds = later_seconds
        self._gather_seconds = gather_seconds  # a batch waits this long for company
        self._queued: dict[uuid.UUID, list[_Waiting[Item, Result]]] = defaultdict(list)
        self._flushing: dict[uuid.UUID, set[asyncio.Task[None]]] = defaultdict(set)
        self._postponed: set[asyncio.Task[None]] = set()

    async def submit(self, tenant_id: uuid.UUID, item: Item) -> Result:
        """The item's outcome, once its batch has committed (or the error that refused it)."""
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._enqueue(tenant_id, (item, done))
        return await done

    async def close(self) -> None:
        """Wait for every queued item to be written."""
        while tasks := [*self._postponed, *(t for ts in self._flushing.values() for t in ts)]:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _enqueue(self, tenant_id: uuid.UUID, waiting: _Waiting[Item, Result]) -> None:
        self._queued[tenant_id].append(waiting)
        flushing = self._flushing[tenant_id]
        if len(flushing) < self._in_flight:
            flushing.add(asyncio.create_task(self._flush(tenant_id)))

    async def _again(self, tenant_id: uuid.UUID, waiting: _Waiting[Item, Result]) -> None:
        try:
            await asyncio.sleep(self._later_seconds)
            self._enqueue(tenant_id, waiting)
        finally:
            self._postponed.discard(asyncio.current_task())

    async def _next(self, tenant_id: uuid.UUID) -> list[_Waiting[Item, Result]] | None:
        """What is queued, once it fills a batch or has waited `gather_seconds` for more."""
        queued = self._queued.get(tenant_id)
        if queued and len(queued) < self._max_batch and self._gather_seconds:
            await asyncio.sleep(self._gather_seconds)
        return self._queued.pop(tenant_id, None)

    async def _flush(self, tenant_id: uuid.UUID) -> None:
        try:
            while queued := await self._next(tenant_id):
                batch, rest = queued[: self._max_batch], queued[self._max_batch :]
                if rest:
                    self._queued[tenant_id] = rest + self._queued.get(tenant_id, [])
                try:
                    outcomes = await self._write(tenant_id, [item for item, _ in batch])
                except Exception as failed:
                    if unavailable_cause(failed) is not None:
                        # the database is out of reach: one by one would fail alike; each
                        # caller answers 503 and the outage log counts them (core.outage)
                        for _, done in batch:
                            if not done.done():
                                done.set_exception(failed)
                        continue
                    log.warning("groupcommit.batch_failed", size=len(batch), exc_info=True)
                    for waiting in batch:
                        await self._write_alone(tenant_id, waiting)
                    continue
                for waiting, outcome in zip(batch, outcomes, strict=True):
                    self._settle(tenant_id, waiting, outcome)
        finally:
            flushing = self._flushing[tenant_id]
            flushing.discard(asyncio.current_task())
            if not flushing:
                del self._flushing[tenant_id]

    async def _write_alone(self, tenant_id: uuid.UUID, waiting: _Waiting[Item, Result]) -> None:
        item, done = waiting
        try:
            [outcome] = await self._write(tenant_id, [item])
        except Exception as failed:
            if not done.done():
                done.set_exception(failed)
            return
        self._settle(tenant_id, waiting, outcome)

    def _settle(
        self,
        tenant_id: uuid.UUID,
        waiting: _Waiting[Item, Result],
        outcome: Result | BitnexusError | Later,
    ) -> None:
        done = waiting[1]
        if done.done():  # its caller gave up waiting (what was written stands: a retry finds it)
            return
        if isinstance(outcome, Later):
            self._postponed.add(asyncio.create_task(self._again(tenant_id, waiting)))
        elif isinstance(outcome, BitnexusError):
            done.set_exception(outcome)
        else:
            done.set_result(outcome)


class TenantUnits(GroupCommit[Item, Result]):
    """Group commit in the database: `write(session, items)` records a batch of one tenant's
    items in a unit of work scoped to that tenant, committed before any caller has its
    outcome."""

    def __init__(
        self,
        db: Database,
        write: Callable[
            [AsyncSession, Sequence[Item]], Awaitable[Sequence[Result | BitnexusError | Later]]
        ],
        *,
        max_batch: int = 500,
        in_flight: int = 2,
        later_seconds: float = 0.02,
        gather_seconds: float = 0.0,
    ) -> None:
        super().__init__(
            self._in_unit,
            max_batch=max_batch,
            in_flight=in_flight,
            later_seconds=later_seconds,
            gather_seconds=gather_seconds,
        )
        self._db = db
        self._write_in_unit = write

    async def _in_unit(
        self, tenant_id: uuid.UUID, items: Sequence[Item]
    ) -> Sequence[Result | BitnexusError | Later]:
        async with self._db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            return await self._write_in_unit(session, items)
