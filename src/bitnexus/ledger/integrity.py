"""What the sealer checks before it signs, and what happens when a check fails.

Before a block is signed, the range it adds to the log (`start` to the new size) is read once,
with its postings: every transaction must be there, in sequence, with the leaf its own columns
and postings produce, and every stored tree node of the range must be what those leaves hash to.
A failure is tampering (only the database owner can change these rows): the sealer records an
alarm the tenant's admins see, tells them, and halts sealing for the tenant until an operator
resumes it (`bitnexus ledger resume`). Nothing is repaired on the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import structlog
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import utcnow
from bitnexus.core.outbox import NewEvent, admins_topic, emit, ledger_topic
from bitnexus.ledger import leaf, merkle, repository
from bitnexus.ledger.models import (
    AlarmKind,
    LedgerAccount,
    LedgerAlarm,
    LedgerPosting,
    LedgerTransaction,
    LedgerTreeNode,
    LedgerTreeState,
)

log = structlog.get_logger(__name__)

REPORTER = "sealer"


class InconsistentLog(RuntimeError):
    """The stored log is not what was appended to it: refuse to sign, and raise an alarm."""

    def __init__(
        self,
        kind: AlarmKind,
        detail: str,
        *,
        tree_size: int | None = None,
        entry_index: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.tree_size = tree_size
        self.entry_index = entry_index


class SealingHalted(RuntimeError):
    """Sealing this tenant stopped on an alarm; an operator must resume it."""


async def check_range(session: AsyncSession, tenant_id: uuid.UUID, start: int, end: int) -> None:
    """Recompute the leaves `start`…`end - 1` from their transactions and postings, and the tree
    nodes those leaves complete; raise `InconsistentLog` naming the first that differs."""
    if end <= start:
        return
    rows = await _range_rows(session, start, end)
    hashes: list[bytes] = []
    for expected, (tx, postings) in enumerate(_by_transaction(rows), start=start):
        if tx.seq != expected:
            raise InconsistentLog(
                AlarmKind.missing_entry,
                f"transaction {expected} is missing from the log (found {tx.seq} next)",
                tree_size=end,
                entry_index=expected,
            )
        content = leaf.request_content(postings, tx.description, tx.metadata, tx.reverses_id)
        recomputed = leaf.leaf_bytes(
            tenant=tenant_id,
            transaction_id=tx.id,
            seq=tx.seq,
            key=tx.idempotency_key,
            at=tx.created_at,
            content=content,
        )
        if recomputed != tx.leaf or leaf.request_digest(content) != tx.request_digest:
            raise InconsistentLog(
                AlarmKind.leaf_mismatch,
                f"transaction {tx.seq} ({tx.id}): its stored leaf does not match its postings",
                tree_size=end,
                entry_index=tx.seq,
            )
        hashes.append(merkle.leaf_hash(recomputed))
    if len(hashes) < end - start:
        missing = start + len(hashes)
        raise InconsistentLog(
            AlarmKind.missing_entry,
            f"transactions {missing}…{end - 1} are missing from the log",
            tree_size=end,
            entry_index=missing,
        )
    await _check_nodes(session, start, end, hashes)


async def _range_rows(session: AsyncSession, start: int, end: int) -> list[Any]:
    """The range's transactions with their postings (account codes), in one read."""
    t, p, a = LedgerTransaction, LedgerPosting, LedgerAccount
    return list(
        (
            await session.execute(
                select(
                    t.id,
                    t.seq,
                    t.idempotency_key,
                    t.request_digest,
                    t.leaf,
                    t.description,
                    t.metadata_.label("metadata"),
                    t.reverses_id,
                    t.created_at,
                    a.code,
                    p.amount,
                    p.currency,
                )
                .outerjoin(p, and_(p.tenant_id == t.tenant_id, p.transaction_id == t.id))
                .outerjoin(a, and_(a.tenant_id == p.tenant_id, a.id == p.account_id))
                .where(t.seq >= start, t.seq < end)
                .order_by(t.seq, p.position)
            )
        ).all()
    )


def _by_transaction(rows: Iterable[Any]) -> Iterable[tuple[Any, list[dict[str, Any]]]]:
    current: Any = None
    postings: list[dict[str, Any]] = []
    for row in rows:
        if current is not None and row.id != current.id:
            yield current, postings
            postings = []
        current = row
        if row.amount is not None:
            postings.append({"account": row.code, "amount": row.amount, "currency": row.currency})
    if current is not None:
        yield current, postings


async def _check_nodes(session: AsyncSession, start: int, end: int, hashes: list[bytes]) -> None:
    """Every subtree completed by appending the range, recomputed from its leaves (and the
    subtrees of the signed part it joins), must be stored as computed."""
    node = LedgerTreeNode
    spans = [
        and_(node.level == level, node.index.between(max((start >> level) - 1, 0), hi))
        for level in range(end.bit_length())
        if (hi := (end >> level) - 1) >= 0
    ]
    stored = {
        (level, index): digest
        for level, index, digest in await session.execute(
            select(node.level, node.index, node.hash).where(or_(*spans))
        )
    }
    computed: dict[tuple[int, int], bytes] = {}

    def read(level: int, index: int) -> bytes:
        found = computed.get((level, index)) or stored.get((level, index))
        if found is None:
            raise InconsistentLog(
                AlarmKind.node_mismatch,
                f"tree node ({level}, {index}) is missing",
                tree_size=end,
                entry_index=index << level,
            )
        return found

    for i, digest in enumerate(hashes, start=start):
        for level, index, h in merkle.nodes_completed_by(i, digest, read):
            computed[(level, index)] = h
            if stored.get((level, index)) != h:
                raise InconsistentLog(
                    AlarmKind.node_mismatch,
                    f"tree node ({level}, {index}) does not match leaves "
                    f"{index << level}…{((index + 1) << level) - 1}",
                    tree_size=end,
                    entry_index=index << level,
                )


async def halt(session: AsyncSession, tenant_id: uuid.UUID, problem: InconsistentLog) -> bool:
    """Stop sealing the tenant, record the alarm and tell its admins; False when it was
    halted already (one alarm per halt)."""
    state = (
        await session.execute(
            select(LedgerTreeState).where(LedgerTreeState.tenant_id == tenant_id).with_for_update()
        )
    ).scalar_one_or_none()
    if state is None or state.halted_at is not None:
        return False
    now = utcnow()
    state.halted_at = now
    alarm = LedgerAlarm(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        api_key_id=None,
        reporter=REPORTER,
        kind=problem.kind,
        detail=f"{problem.detail}. Sealing is halted until an operator resumes it.",
        tree_size=problem.tree_size,
        entry_index=problem.entry_index,
        created_at=now,
    )
    data = await raise_alarm(session, alarm, halted=True)
    log.critical("ledger.sealing_halted", tenant_id=str(tenant_id), **(data or {}))
    return True


async def raise_alarm(
    session: AsyncSession, alarm: LedgerAlarm, *, halted: bool
) -> dict[str, Any] | None:
    """Record `alarm` and tell the tenant's admins: a `ledger.alarm` event (topics `ledger:`
    and `admins:`) becomes their notification, webhook deliveries and a live update. Returns
    the event's data, or None when an alarm about the same subject was recorded already (one
    alarm per finding, however often it is found)."""
    if not await repository.insert_alarm(session, alarm):
        return None
    data = {
        "alarm_id": alarm.id,
        "reporter": alarm.reporter,
        "kind": alarm.kind,
        "detail": alarm.detail,
        "tree_size": alarm.tree_size,
        "entry_index": alarm.entry_index,
        "halted": halted,
    }
    topics = [ledger_topic(alarm.tenant_id), admins_topic(alarm.tenant_id)]
    await emit(session, NewEvent(alarm.tenant_id, "ledger.alarm", data, topics))
    return data


async def resume(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Let the sealer take the tenant again (it re-checks before it signs); False when it was
    not halted."""
    state = await session.get(LedgerTreeState, tenant_id, with_for_update=True)
    if state is None or state.halted_at is None:
        return False
    log.warning("ledger.sealing_resumed", tenant_id=str(tenant_id), halted_at=state.halted_at)
    state.halted_at = None
    await session.flush()
    return True
