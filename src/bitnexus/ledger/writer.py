"""Group commit: concurrent posts from one process share a unit of work per tenant.

A caller that posts a transaction on its own (not as part of a larger unit of work, e.g. a
conversion reported by a vendor) awaits `LedgerWriter.post`. While a tenant's batch commits,
the posts that arrive queue up; they go out together as the next batch, in one statement and
one commit. Each caller gets its own outcome once that commit is durable, exactly as if it had
posted alone: the original transaction for a repeated key, or the error that refused its post
(nothing written for it, the rest of the batch posted all the same). A failed unit of work
(e.g. the database went away mid-commit) is retried post by post, so one failure never fails
its neighbours; a retry is safe because every post carries its idempotency key.

A batch is one process's: many processes each run their own writer, and the database (unique
idempotency keys, claimed in key order) keeps them apart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence

import structlog

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.errors import BitnexusError
from bitnexus.ledger import service
from bitnexus.ledger.service import Posted, TransactionSpec

log = structlog.get_logger(__name__)

_Waiting = tuple[TransactionSpec, "asyncio.Future[Posted]"]


class LedgerWriter:
    def __init__(self, db: Database, *, max_batch: int = 500, in_flight: int = 2) -> None:
        self._db = db
        self._max_batch = max_batch
        self._in_flight = in_flight  # batches per tenant at once: one fills while one commits
        self._queued: dict[uuid.UUID, list[_Waiting]] = defaultdict(list)
        self._flushing: dict[uuid.UUID, set[asyncio.Task[None]]] = defaultdict(set)

    async def post(self, tenant_id: uuid.UUID, spec: TransactionSpec) -> Posted:
        """Post one balanced transaction; returns once it is committed (or raises why not)."""
        service.check(spec)  # bad input fails here, before it waits for anyone
        done: asyncio.Future[Posted] = asyncio.get_running_loop().create_future()
        self._queued[tenant_id].append((spec, done))
        flushing = self._flushing[tenant_id]
        if len(flushing) < self._in_flight:
            flushing.add(asyncio.create_task(self._flush(tenant_id)))
        return await done

    async def close(self) -> None:
        """Wait for every queued post to be written."""
        while tasks := [t for flushing in self._flushing.values() for t in flushing]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _flush(self, tenant_id: uuid.UUID) -> None:
        try:
            while queued := self._queued.pop(tenant_id, None):
                batch, rest = queued[: self._max_batch], queued[self._max_batch :]
                if rest:
                    self._queued[tenant_id] = rest + self._queued.get(tenant_id, [])
                try:
                    outcomes = await self._write(tenant_id, [spec for spec, _ in batch])
                except Exception:
                    log.warning("ledger.batch_failed", size=len(batch), exc_info=True)
                    for waiting in batch:
                        await self._write_alone(tenant_id, waiting)
                    continue
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    _settle(done, outcome)
        finally:
            flushing = self._flushing[tenant_id]
            flushing.discard(asyncio.current_task())
            if not flushing:
                del self._flushing[tenant_id]

    async def _write(
        self, tenant_id: uuid.UUID, specs: Sequence[TransactionSpec]
    ) -> list[Posted | BitnexusError]:
        async with self._db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            return await service.post_transactions(session, tenant_id, specs)

    async def _write_alone(self, tenant_id: uuid.UUID, waiting: _Waiting) -> None:
        spec, done = waiting
        try:
            [outcome] = await self._write(tenant_id, [spec])
        except Exception as failed:
            if not done.done():
                done.set_exception(failed)
            return
        _settle(done, outcome)


def _settle(done: asyncio.Future[Posted], outcome: Posted | BitnexusError) -> None:
    if done.done():  # its caller gave up waiting (the post stands: a retry returns it)
        return
    if isinstance(outcome, BitnexusError):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
