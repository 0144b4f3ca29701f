"""Reading the ledger: transactions with their leaf index, blocks, proofs and receipts."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import utcnow
from bitnexus.core.errors import BadRequest, FieldError
from bitnexus.core.inputs import INT64_MAX
from bitnexus.ledger import repository, tree, witnessing, words
from bitnexus.ledger.errors import AccountNotFound, BlockNotFound, NotYetSealed, TransactionNotFound
from bitnexus.ledger.models import (
    AlarmKind,
    LedgerAccount,
    LedgerAlarm,
    LedgerBlock,
    LedgerTransaction,
    normal_sign,
)
from bitnexus.ledger.receipt import Receipt
from bitnexus.ledger.schemas import (
    AccountRead,
    AlarmRead,
    AlarmReport,
    BlockDetail,
    BlockPage,
    BlockRead,
    ConsistencyProofRead,
    InclusionProofRead,
    MirrorEntries,
    PostingRead,
    StatementLine,
    StatementPage,
    TransactionPage,
    TransactionRead,
    TransactionSummary,
    WitnessRefusal,
)
from bitnexus.ledger.words import OwnerNames

log = structlog.get_logger(__name__)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _int_cursor(cursor: str | None) -> int | None:
    if not cursor:  # absent or empty: the first page, as for every other cursor
        return None
    # ASCII digits only (`isdigit` takes "²" too), and no longer than a bigint's 19: Python
    # refuses to convert thousands of digits, and the database anything past a bigint.
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 19) or int(cursor) > INT64_MAX:
        raise BadRequest(
            "The cursor is not valid.", errors=[FieldError("cursor", "Not a valid cursor.")]
        )
    return int(cursor)


def block_read(block: LedgerBlock) -> BlockRead:
    return BlockRead(
        height=block.height,
        tree_size=block.tree_size,
        root_hash=_b64(block.root_hash),
        prev_hash=block.prev_hash.hex(),
        block_hash=block.block_hash.hex(),
        created_at=block.created_at,
        checkpoint=block.checkpoint,
    )


async def _cosigned(session: AsyncSession, block: LedgerBlock) -> str:
    """A block's signed checkpoint with every witness cosignature line appended."""
    lines = await witnessing.cosignatures_of(session, block.height)
    return block.checkpoint + "".join(c.line + "\n" for c in lines)


async def _owner_names(
    session: AsyncSession,
    owner_names: OwnerNames,
    accounts: Iterable[LedgerAccount],
    viewer: uuid.UUID | None,
) -> Mapping[uuid.UUID, str]:
    """Names of the accounts' owners the viewer may know: every one for admins (viewer None),
    only their own for everyone else."""
    ids = {
        a.owner_user_id
        for a in accounts
        if a.owner_user_id is not None and viewer in (None, a.owner_user_id)
    }
    return await owner_names(session, ids) if ids else {}


def _owner_reads(account: LedgerAccount, viewer: uuid.UUID | None) -> bool:
    return viewer is not None and account.owner_user_id == viewer


def _name(account: LedgerAccount, names: Mapping[uuid.UUID, str]) -> str:
    owner = None if account.owner_user_id is None else names.get(account.owner_user_id)
    return words.account_name(account.code, account.currency, owner)


async def _account_read(
    session: AsyncSession,
    account: LedgerAccount,
    names: Mapping[uuid.UUID, str],
    viewer: uuid.UUID | None,
) -> AccountRead:
    balance = await repository.balance(session, account.id)
    return AccountRead(
        code=account.code,
        name=_name(account, names),
        kind=account.kind,
        currency=account.currency,
        owner_user_id=account.owner_user_id,
        balance=balance,
        balance_label=words.balance_label(
            account.code, account.kind, balance, owner_reads=_owner_reads(account, viewer)
        ),
    )


async def _visible(
    session: AsyncSession, transaction_id: uuid.UUID, viewer: uuid.UUID | None
) -> LedgerTransaction:
    """The transaction if the viewer may see it: admins (viewer None) all, others only those
    touching their own accounts. Anything else is "not found", never "forbidden"."""
    txn = await repository.transaction(session, transaction_id)
    if txn is None or (
        viewer is not None and not await repository.touches_accounts_of(session, txn.id, viewer)
    ):
        raise TransactionNotFound()
    return txn


def _posting_effect(account: LedgerAccount, amount: int, viewer: uuid.UUID | None) -> str:
    """A posting's effect for the reader: the owner's words, the books for admins, and nothing
    on accounts of others (their debit or credit column says it)."""
    if viewer is not None and account.owner_user_id != viewer:
        return ""
    normal = amount * normal_sign(account.kind)
    return words.effect(account.code, account.kind, normal, owner_reads=viewer is not None)


async def transaction(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    viewer: uuid.UUID | None,
    owner_names: OwnerNames,
) -> TransactionRead:
    txn = await _visible(session, transaction_id, viewer)
    postings = await repository.postings_of(session, txn.id)
    accounts = await repository.accounts_by_ids(session, {p.account_id for p in postings})
    names = await _owner_names(session, owner_names, accounts.values(), viewer)
    return TransactionRead(
        id=txn.id,
        seq=txn.seq,
        idempotency_key=txn.idempotency_key,
        description=txn.description,
        **words.told(txn.description, txn.idempotency_key, txn.metadata_, txn.reverses_id),
        metadata=txn.metadata_,
        reverses_id=txn.reverses_id,
        created_at=txn.created_at,
        leaf=None if txn.leaf is None else _b64(txn.leaf),
        leaf_index=txn.seq,
        postings=[
            PostingRead(
                account=accounts[p.account_id].code,
                account_name=_name(accounts[p.account_id], names),
                amount=p.amount,
                currency=p.currency,
                effect=_posting_effect(accounts[p.account_id], p.amount, viewer),
            )
            for p in postings
        ],
    )


async def blocks(session: AsyncSession, cursor: str | None, limit: int) -> BlockPage:
    rows = await repository.blocks_before(session, _int_cursor(cursor), limit + 1)
    page = rows[:limit]
    more = len(rows) > limit and page
    return BlockPage(
        items=[block_read(b) for b in page], next_cursor=str(page[-1].height) if more else None
    )


async def block(session: AsyncSession, height: int) -> BlockDetail:
    found = await repository.block_at(session, height)
    if found is None:
        raise BlockNotFound(f"No block at height {height}.")
    previous = await repository.block_at(session, height - 1) if height > 0 else None
    cosignatures = await witnessing.cosignatures_of(session, height)
    return BlockDetail(
        **block_read(found).model_dump(),
        first_seq=previous.tree_size if previous is not None else 0,
        cosignatures=[c.line for c in cosignatures],
    )


async def transactions(
    session: AsyncSession, from_seq: int, to_seq: int | None, cursor: str | None, limit: int
) -> TransactionPage:
    """Transactions with `from_seq <= seq < to_seq`, newest first, a page at a time."""
    before = _int_cursor(cursor)
    if to_seq is not None:
        before = to_seq if before is None else min(before, to_seq)
    rows = await repository.transactions_between(session, from_seq, before, limit + 1)
    page = rows[:limit]
    return TransactionPage(
        items=[_summary(t) for t in page],
        next_cursor=str(page[-1].seq) if len(rows) > limit and page else None,
    )


def _summary(txn: LedgerTransaction) -> TransactionSummary:
    return TransactionSummary(
        id=txn.id,
        seq=txn.seq,
        description=txn.description,
        **words.told(txn.description, txn.idempotency_key, txn.metadata_, txn.reverses_id),
        created_at=txn.created_at,
    )


async def _signed_size(session: AsyncSession, tree_size: int, field: str) -> LedgerBlock:
    found = await repository.block_of_size(session, tree_size)
    if found is None:
        raise BlockNotFound(
            f"No signed checkpoint has tree size {tree_size}.",
            errors=[FieldError(field, "Use the tree size of a block.")],
        )
    return found


async def inclusion(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    tree_size: int | None,
    viewer: uuid.UUID | None,
) -> InclusionProofRead:
    seq, _leaf = _sequenced(await _visible(session, transaction_id, viewer))
    if tree_size is None:
        covering = await repository.first_block_covering(session, seq)
        if covering is None:
            raise NotYetSealed("This transaction is not in a signed checkpoint yet.")
    else:
        covering = await _signed_size(session, tree_size, "tree_size")
        if covering.tree_size <= seq:
            raise NotYetSealed("That checkpoint predates this transaction.")
    proof = await tree.inclusion_proof(session, seq, covering.tree_size)
    return InclusionProofRead(
        leaf_index=seq,
        tree_size=covering.tree_size,
        root_hash=_b64(covering.root_hash),
        proof=[_b64(h) for h in proof],
    )


async def consistency(session: AsyncSession, from_size: int, to_size: int) -> ConsistencyProofRead:
    if from_size > to_size:
        raise BadRequest(
            "from_size must not exceed to_size.", errors=[FieldError("from_size", "Too large.")]
        )
    await _signed_size(session, from_size, "from_size")
    await _signed_size(session, to_size, "to_size")
    proof = await tree.consistency_proof(session, from_size, to_size)
    return ConsistencyProofRead(
        from_size=from_size, to_size=to_size, proof=[_b64(h) for h in proof]
    )


async def receipt(
    session: AsyncSession, transaction_id: uuid.UUID, viewer: uuid.UUID | None
) -> str:
    """The transaction's self-contained, offline-verifiable receipt (C2SP tlog-proof)."""
    seq, data = _sequenced(await _visible(session, transaction_id, viewer))
    covering = await repository.first_block_covering(session, seq)
    if covering is None:
        raise NotYetSealed("This transaction is not in a signed checkpoint yet.")
    proof = await tree.inclusion_proof(session, seq, covering.tree_size)
    return str(Receipt(data, seq, proof, await _cosigned(session, covering)))


def _sequenced(txn: LedgerTransaction) -> tuple[int, bytes]:
    if txn.seq is None or txn.leaf is None:
        raise NotYetSealed("This transaction is waiting for its sequence number.")
    return txn.seq, txn.leaf


async def accounts(
    session: AsyncSession, viewer: uuid.UUID | None, owner_names: OwnerNames
) -> list[AccountRead]:
    rows = await repository.accounts_owned_by(session, None if viewer is None else [viewer])
    names = await _owner_names(session, owner_names, rows, viewer)
    return [await _account_read(session, a, names, viewer) for a in rows]


async def statement(
    session: AsyncSession,
    code: str,
    viewer: uuid.UUID | None,
    cursor: str | None,
    limit: int,
    owner_names: OwnerNames,
) -> StatementPage:
    """An account's postings, newest first, with the running balance after each."""
    before = _int_cursor(cursor)
    account = (await repository.accounts_by_code(session, [code])).get(code)
    if account is None or (viewer is not None and account.owner_user_id != viewer):
        raise AccountNotFound(f"No ledger account {code}.")
    rows = await repository.statement(session, account, before, limit + 1)
    more = sum(r.seq is not None for r in rows) > limit
    page = rows[:-1] if more else rows
    names = await _owner_names(session, owner_names, [account], viewer)
    owner_reads = _owner_reads(account, viewer)
    return StatementPage(
        account=await _account_read(session, account, names, viewer),
        items=[_line(account, r, owner_reads=owner_reads) for r in page],
        next_cursor=str(page[-1].seq) if more else None,
    )


def _line(account: LedgerAccount, row: Any, *, owner_reads: bool) -> StatementLine:
    return StatementLine(
        seq=row.seq,
        transaction_id=row.transaction_id,
        created_at=row.created_at,
        description=row.description,
        **words.told(row.description, row.idempotency_key, row.metadata, row.reverses_id),
        amount=row.amount,
        effect=words.effect(account.code, account.kind, row.amount, owner_reads=owner_reads),
        balance=row.balance,
    )


async def latest_checkpoint(session: AsyncSession) -> str:
    """The newest signed checkpoint with every witness cosignature it has gathered."""
    latest = await repository.latest_block(session)
    if latest is None:
        raise BlockNotFound("No checkpoint has been signed yet.")
    return await _cosigned(session, latest)


async def entries(session: AsyncSession, start: int, limit: int) -> MirrorEntries:
    return MirrorEntries(
        start=start, entries=[_b64(b) for b in await repository.leaves_from(session, start, limit)]
    )


def alarm_read(alarm: LedgerAlarm) -> AlarmRead:
    return AlarmRead(
        id=alarm.id,
        reporter=alarm.reporter,
        kind=AlarmKind(alarm.kind),
        detail=alarm.detail,
        tree_size=alarm.tree_size,
        entry_index=alarm.entry_index,
        created_at=alarm.created_at,
        evidence=None if alarm.evidence is None else WitnessRefusal.model_validate(alarm.evidence),
    )


async def report_alarm(
    session: AsyncSession, tenant_id: uuid.UUID, api_key_id: uuid.UUID, report: AlarmReport
) -> AlarmRead:
    """Record a mirror's alarm: permanent, append-only evidence shown to the tenant's admins."""
    alarm = LedgerAlarm(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        api_key_id=api_key_id,
        reporter=report.reporter,
        kind=report.kind,
        detail=report.detail,
        tree_size=report.tree_size,
        entry_index=report.entry_index,
        created_at=utcnow(),
    )
    session.add(alarm)
    await session.flush()
    log.error(
        "ledger.alarm",
        reporter=alarm.reporter,
        kind=alarm.kind,
        detail=alarm.detail,
        tree_size=alarm.tree_size,
        entry_index=alarm.entry_index,
    )
    return alarm_read(alarm)


async def alarms(session: AsyncSession, limit: int = 100) -> list[AlarmRead]:
    return [alarm_read(a) for a in await repository.alarms(session, limit)]
