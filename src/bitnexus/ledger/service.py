"""Posting balanced transactions: the one way money moves in BitNexus.

An append is one statement and takes no tenant-wide lock: the unique idempotency key makes
concurrent retries of one request write one transaction, and only a posting that lowers an
account that may not go negative waits for that account's lock. Sequence numbers, leaves and
the rolled-up balances come from the integrator (`tree.integrate`), off the write path.
Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import utcnow
from bitnexus.core.errors import BitnexusError, FieldError
from bitnexus.core.money import is_currency
from bitnexus.ledger import leaf, repository
from bitnexus.ledger.errors import (
    AccountConflict,
    AccountNotFound,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPostings,
    UnbalancedTransaction,
)
from bitnexus.ledger.models import (
    AccountKind,
    LedgerAccount,
    normal_sign,
)

MAX_AMOUNT = 2**63 - 1
MAX_POSTINGS = 100


@dataclass(frozen=True)
class PostingSpec:
    account: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class TransactionSpec:
    """A balanced transaction to post; its idempotency key makes a retry return the original."""

    idempotency_key: str
    postings: Sequence[PostingSpec]
    description: str = ""
    metadata: dict[str, Any] | None = None
    reverses: uuid.UUID | None = None
    id: uuid.UUID | None = None  # when the caller must name the transaction before it is posted


@dataclass(frozen=True, slots=True)
class Posted:
    """An appended transaction, or the original one for a repeated idempotency key."""

    id: uuid.UUID
    seq: int | None  # None until the integrator numbers it
    created: bool


async def open_account(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    code: str,
    kind: AccountKind,
    currency: str,
    may_go_negative: bool = True,
    owner_user_id: uuid.UUID | None = None,
) -> LedgerAccount:
    """Open an account (idempotent: the same terms return the existing one)."""
    if not is_currency(currency):
        raise InvalidPostings(errors=[FieldError("currency", "Not an ISO 4217 currency code.")])
    wanted = LedgerAccount(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        code=code,
        kind=kind.value,
        currency=currency,
        may_go_negative=may_go_negative,
        owner_user_id=owner_user_id,
    )
    await repository.insert_account(session, wanted)
    account = (await repository.accounts_by_code(session, [code]))[code]
    terms = (account.kind, account.currency, account.may_go_negative, account.owner_user_id)
    if terms != (kind.value, currency, may_go_negative, owner_user_id):
        raise AccountConflict(
            f"Account {code} exists with other terms ({account.kind}, {account.currency})."
        )
    return account


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """The terms of an account to open on first use (see `open_accounts`)."""

    code: str
    kind: AccountKind
    currency: str
    owner: uuid.UUID | None = None
    may_go_negative: bool = True


async def open_accounts(
    session: AsyncSession, tenant_id: uuid.UUID, specs: Sequence[AccountSpec]
) -> None:
    """Make sure every account of `specs` exists (one query when they all do already)."""
    found = await repository.accounts_by_code(session, [s.code for s in specs])
    for spec in specs:
        if spec.code not in found:
            await open_account(
                session,
                tenant_id,
                code=spec.code,
                kind=spec.kind,
                currency=spec.currency,
                may_go_negative=spec.may_go_negative,
                owner_user_id=spec.owner,
            )


def _validate(postings: Sequence[PostingSpec]) -> None:
    if not 2 <= len(postings) <= MAX_POSTINGS:
        raise InvalidPostings(
            f"A transaction has 2 to {MAX_POSTINGS} postings.",
            errors=[FieldError("postings", "Give at least two postings.")],
        )
    totals: dict[str, int] = defaultdict(int)
    for i, p in enumerate(postings):
        if type(p.amount) is not int or p.amount == 0 or abs(p.amount) > MAX_AMOUNT:
            raise InvalidPostings(
                errors=[FieldError(f"postings.{i}.amount", "A non-zero integer in minor units.")]
            )
        if not is_currency(p.currency):
            raise InvalidPostings(
                errors=[FieldError(f"postings.{i}.currency", "Not an ISO 4217 currency code.")]
            )
        totals[p.currency] += p.amount
    imbalance = {cur: total for cur, total in totals.items() if total != 0}
    if imbalance:
        raise UnbalancedTransaction(imbalance)


async def post_transaction(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    idempotency_key: str,
    postings: Sequence[PostingSpec],
    description: str = "",
    metadata: dict[str, Any] | None = None,
    reverses: uuid.UUID | None = None,
) -> Posted:
    """Append one balanced transaction, or return the original for a repeated idempotency key.

    The transaction is posted (balances include it) when this commits; the integrator gives it
    its sequence number and leaf moments later.
    """
    spec = TransactionSpec(idempotency_key, postings, description, metadata, reverses)
    outcome = (await post_transactions(session, tenant_id, [spec]))[0]
    if isinstance(outcome, BitnexusError):
        raise outcome
    return outcome


async def post_transactions(
    session: AsyncSession, tenant_id: uuid.UUID, specs: Sequence[TransactionSpec]
) -> list[Posted | BitnexusError]:
    """Append many balanced transactions in one statement: one outcome per spec, in order.

    An outcome is what `post_transaction` would return, or the error it would raise; nothing is
    written for a refused spec, and the others are posted all the same.
    """
    outcomes: list[Posted | BitnexusError] = []
    prepared: list[tuple[int, repository.NewTransaction]] = []
    for i, spec in enumerate(specs):
        try:
            txn = await _prepare(session, spec)
        except BitnexusError as refused:
            outcomes.append(refused)
        else:
            outcomes.append(Posted(txn.id, None, created=True))
            prepared.append((i, txn))
    if not prepared:
        return outcomes
    appended = await repository.append(
        session, tenant_id, [txn for _, txn in prepared], guarded=False
    )
    for (i, txn), rows in zip(prepared, appended, strict=True):
        if not rows[0].inserted:
            try:
                outcomes[i] = await _append_refused(session, tenant_id, txn, rows)
            except BitnexusError as refused:
                outcomes[i] = refused
    return outcomes


def check(spec: TransactionSpec) -> None:
    """Refuse what no database state could make right: a bad key, amounts, or an imbalance."""
    if not 1 <= len(spec.idempotency_key) <= 200:
        raise InvalidPostings(errors=[FieldError("idempotency_key", "1 to 200 characters.")])
    _validate(spec.postings)


async def _prepare(session: AsyncSession, spec: TransactionSpec) -> repository.NewTransaction:
    check(spec)
    metadata = spec.metadata or {}
    content = leaf.request_content(
        [{"account": p.account, "amount": p.amount, "currency": p.currency} for p in spec.postings],
        spec.description,
        metadata,
        spec.reverses,
    )
    if spec.reverses is not None and await repository.transaction(session, spec.reverses) is None:
        raise InvalidPostings(errors=[FieldError("reverses", "No such transaction.")])
    return repository.NewTransaction(
        id=spec.id or uuid.uuid4(),
        idempotency_key=spec.idempotency_key,
        request_digest=leaf.request_digest(content),
        description=spec.description,
        metadata=metadata,
        reverses_id=spec.reverses,
        created_at=utcnow(),
        postings=[(p.account, p.amount, p.currency) for p in spec.postings],
    )


async def _append_refused(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    txn: repository.NewTransaction,
    rows: Sequence[repository.AppendedPosting],
) -> Posted:
    """Why the append wrote nothing: a repeated key, a bad account, or a guarded account."""
    replay = await _replay(session, txn.idempotency_key, txn.request_digest)
    if replay is not None:
        return replay
    _check_accounts(rows)
    # It lowers an account that may not go negative: check that under the account's lock.
    lowered = _lowered(rows)
    await repository.lock_balances(session, lowered)
    now = await repository.balances(session, lowered)
    for account_id, change in lowered.items():
        if now[account_id] + change < 0:
            code = next(r.code for r in rows if r.account_id == account_id)
            raise InsufficientBalance(f"Account {code} may not go negative.")
    [rows] = await repository.append(session, tenant_id, [txn], guarded=True)
    if not rows[0].inserted:  # a twin committed while this waited for the lock
        replay = await _replay(session, txn.idempotency_key, txn.request_digest)
        assert replay is not None
        return replay
    return Posted(txn.id, None, created=True)


def _check_accounts(rows: Sequence[repository.AppendedPosting]) -> None:
    for r in rows:
        if r.account_id is None:
            raise AccountNotFound(
                f"No ledger account {r.code}.",
                errors=[FieldError(f"postings.{r.position}.account", "Unknown account.")],
            )
        if r.account_currency != r.currency:
            raise InvalidPostings(
                f"Account {r.code} holds {r.account_currency}, not {r.currency}.",
                errors=[
                    FieldError(
                        f"postings.{r.position}.currency",
                        f"The account is in {r.account_currency}.",
                    )
                ],
            )


def _lowered(rows: Sequence[repository.AppendedPosting]) -> dict[uuid.UUID, int]:
    """Net change, on the normal side, to each account that may not go negative and drops."""
    change: dict[uuid.UUID, int] = defaultdict(int)
    for r in rows:
        if r.account_id is not None and r.kind is not None and not r.may_go_negative:
            change[r.account_id] += r.amount * normal_sign(r.kind)
    return {account_id: c for account_id, c in change.items() if c < 0}


async def _replay(session: AsyncSession, key: str, digest: bytes) -> Posted | None:
    existing = await repository.transaction_by_key(session, key)
    if existing is None:
        return None
    if existing.request_digest != digest:
        raise IdempotencyConflict(key, existing.request_digest, digest)
    return Posted(existing.id, existing.seq, created=False)


async def reverse_transaction(
    session: AsyncSession, tenant_id: uuid.UUID, transaction_id: uuid.UUID, *, idempotency_key: str
) -> Posted:
    """Post the exact opposite of a transaction, referencing it (the only correction there is)."""
    original = await repository.transaction(session, transaction_id)
    if original is None:
        raise InvalidPostings(errors=[FieldError("reverses", "No such transaction.")])
    postings = await repository.postings_of(session, transaction_id)
    accounts = await repository.accounts_by_ids(session, {p.account_id for p in postings})
    return await post_transaction(
        session,
        tenant_id,
        idempotency_key=idempotency_key,
        postings=[
            PostingSpec(accounts[p.account_id].code, -p.amount, p.currency) for p in postings
        ],
        description=f"Reversal of #{original.seq}",
        reverses=transaction_id,
    )


async def record_key_change(
    session: AsyncSession, tenant_id: uuid.UUID, *, version: int, old_key: str, new_key: str
) -> uuid.UUID:
    """Append the entry that records a change of the log's signing key to `version` (no
    postings: it moves no money; sequenced, hashed and signed like every other entry)."""
    metadata = {
        "event": leaf.KEY_CHANGE,
        "version": version,
        "old_key": old_key,
        "new_key": new_key,
    }
    description = f"Signing key changed to version {version}"
    content = leaf.request_content([], description, metadata, None)
    txn = repository.NewTransaction(
        id=uuid.uuid4(),
        idempotency_key=f"ledger:signing-key:v{version}",
        request_digest=leaf.request_digest(content),
        description=description,
        metadata=metadata,
        reverses_id=None,
        created_at=utcnow(),
        postings=[],
    )
    await repository.insert_entry(session, tenant_id, txn)
    return txn.id


async def accounts_owned_by(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[LedgerAccount]:
    """The ledger accounts any of these users owns, by code."""
    return await repository.accounts_owned_by(session, user_ids)


async def balances(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The current balance of each account."""
    return await repository.balances(session, account_ids)


async def balance_if_open(session: AsyncSession, code: str) -> int:
    """The balance of the account `code`, or 0 while it is not opened."""
    account = (await repository.accounts_by_code(session, [code])).get(code)
    if account is None:
        return 0
    return (await repository.balances(session, [account.id]))[account.id]


async def balance(session: AsyncSession, code: str) -> int:
    account = (await repository.accounts_by_code(session, [code])).get(code)
    if account is None:
        raise AccountNotFound(f"No ledger account {code}.")
    return await repository.balance(session, account.id)


def may_follow(restricted_to: uuid.UUID | None) -> bool:
    """Whether a caller may follow the tenant's whole ledger live (its stream of transactions
    and checkpoints): only a caller who sees every account, which `Principal.restricted_to`
    says by being None (tenant admins)."""
    return restricted_to is None
