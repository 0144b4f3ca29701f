"""Group commit of ledger posts (see `core.groupcommit`) for the ledger benchmark: concurrent
posts from one process share a unit of work per tenant.

A caller that posts a transaction on its own (not as part of a larger unit of work) awaits
`LedgerWriter.post`; its batch goes out in one statement and one commit, and it gets the
outcome it would have had alone: the original transaction for a repeated key, or the error that
refused its post. A retry of a failed batch post by post is safe because every post carries its
idempotency key.

A batch is one process's: many processes each run their own writer, and the database (unique
idempotency keys, claimed in key order) keeps them apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.errors import BitnexusError
from bitnexus.core.groupcommit import GroupCommit
from bitnexus.ledger import service
from bitnexus.ledger.service import Posted, TransactionSpec


class LedgerWriter:
    def __init__(self, db: Database, *, max_batch: int = 500, in_flight: int = 2) -> None:
        self._db = db
        self._batches: GroupCommit[TransactionSpec, Posted] = GroupCommit(
            self._write, max_batch=max_batch, in_flight=in_flight
        )

    async def post(self, tenant_id: uuid.UUID, spec: TransactionSpec) -> Posted:
        """Post one balanced transaction; returns once it is committed (or raises why not)."""
        service.check(spec)  # bad input fails here, before it waits for anyone
        return await self._batches.submit(tenant_id, spec)

    async def close(self) -> None:
        """Wait for every queued post to be written."""
        await self._batches.close()

    async def _write(
        self, tenant_id: uuid.UUID, specs: Sequence[TransactionSpec]
    ) -> list[Posted | BitnexusError]:
        async with self._db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            return await service.post_transactions(session, tenant_id, specs)
