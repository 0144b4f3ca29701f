"""Server-Sent Events: new blocks and transactions of the caller's tenant, as they land.

Each poll runs in its own short transaction (the request's own transaction ended when the handler
returned), so a long-lived stream never holds a database connection between polls. The caller is
checked again before every batch of events and at least every `recheck_seconds`: the stream ends
once they may no longer read it (token expired, user or tenant suspended, role or password
changed).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import select

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.errors import BadRequest, FieldError
from bitnexus.core.inputs import INT64_MAX
from bitnexus.ledger.explorer import block_read
from bitnexus.ledger.models import LedgerBlock, LedgerTransaction

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
BATCH = 100


def _event(kind: str, event_id: str, data: dict[str, object]) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


# The ids this stream sends: the last block height and transaction seq it had sent (-1: none).
_EVENT_ID = re.compile(r"h(-1|[0-9]{1,19})-s(-1|[0-9]{1,19})")


def parse_last_event_id(value: str | None) -> tuple[int, int]:
    """`h<height>-s<seq>` → the last block height and transaction seq the client has seen
    ((-1, -1) without one). A value this stream never sent (malformed, or past a bigint, which
    would fail the stream's first query after its 200) is refused before the stream starts."""
    if value is None:
        return -1, -1
    found = _EVENT_ID.fullmatch(value)
    if found is None or max(int(found[1]), int(found[2])) > INT64_MAX:
        raise BadRequest(
            "Resume from an event id this stream sent.",
            errors=[FieldError("Last-Event-ID", "Expected h<height>-s<seq>, as sent.")],
        )
    return int(found[1]), int(found[2])


async def events(
    db: Database,
    tenant_id: uuid.UUID,
    last_height: int,
    last_seq: int,
    disconnected: Callable[[], Awaitable[bool]],
    allowed: Callable[[], Awaitable[bool]],
    recheck_seconds: float,
) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    idle = unchecked = 0.0
    while not await disconnected():
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            txns = (
                (
                    await session.execute(
                        select(LedgerTransaction)
                        .where(LedgerTransaction.seq > last_seq)
                        .order_by(LedgerTransaction.seq)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
            blocks = (
                (
                    await session.execute(
                        select(LedgerBlock)
                        .where(LedgerBlock.height > last_height)
                        .order_by(LedgerBlock.height)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
        if txns or blocks or unchecked >= recheck_seconds:
            if not await allowed():
                return
            unchecked = 0.0
        for t in txns:
            assert t.seq is not None  # selected by seq
            last_seq = t.seq
            yield _event(
                "transaction",
                f"h{last_height}-s{last_seq}",
                {
                    "id": t.id,
                    "seq": t.seq,
                    "description": t.description,
                    "created_at": t.created_at,
                },
            )
        for b in blocks:
            last_height = b.height
            yield _event(
                "block", f"h{last_height}-s{last_seq}", block_read(b).model_dump(mode="json")
            )
        if txns or blocks:
            idle = 0.0
            continue
        pause = min(POLL_SECONDS, recheck_seconds)
        await asyncio.sleep(pause)
        idle += pause
        unchecked += pause
        if idle >= HEARTBEAT_SECONDS:
            idle = 0.0
            yield ": keep-alive\n\n"
