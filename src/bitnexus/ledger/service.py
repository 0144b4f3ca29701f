"""Posting balanced transactions: the one way money moves in BitNexus.

Appends of one tenant are sequenced by locking its sequencer row (gapless numbers across any
number of processes); idempotency keys are checked under that lock, so concurrent retries of
the same request return one transaction. Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import utcnow
from bitnexus.core.errors import FieldError
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
    LedgerPosting,
    LedgerTransaction,
    normal_sign,
)

MAX_AMOUNT = 2**63 - 1
MAX_POSTINGS = 100


@dataclass(frozen=True)
class PostingSpec:
    account: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Posted:
    transaction: LedgerTransaction
    postings: list[LedgerPosting]
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
    """Append one balanced transaction, or return the original for a repeated idempotency key."""
    if not 1 <= len(idempotency_key) <= 200:
        raise InvalidPostings(errors=[FieldError("idempotency_key", "1 to 200 characters.")])
    _validate(postings)
    content = leaf.request_content(
        [{"account": p.account, "amount": p.amount, "currency": p.currency} for p in postings],
        description,
        metadata or {},
        reverses,
    )
    digest = leaf.request_digest(content)

    # A retry usually finds its original here, without waiting for the sequencer lock.
    replay = await _replay(session, idempotency_key, digest)
    if replay is not None:
        return replay

    accounts = await repository.accounts_by_code(session, list({p.account for p in postings}))
    for i, p in enumerate(postings):
        account = accounts.get(p.account)
        if account is None:
            raise AccountNotFound(
                f"No ledger account {p.account}.",
                errors=[FieldError(f"postings.{i}.account", "Unknown account.")],
            )
        if account.currency != p.currency:
            raise InvalidPostings(
                f"Account {p.account} holds {account.currency}, not {p.currency}.",
                errors=[
                    FieldError(f"postings.{i}.currency", f"The account is in {account.currency}.")
                ],
            )
    if reverses is not None and await repository.transaction(session, reverses) is None:
        raise InvalidPostings(errors=[FieldError("reverses", "No such transaction.")])

    # Everything above ran unlocked; from here to commit this tenant's appends are serialised.
    seq = await repository.lock_sequencer(session, tenant_id)
    replay = await _replay(session, idempotency_key, digest)  # a concurrent twin may have won
    if replay is not None:
        return replay

    # Balances change in account-id order, so two appends never wait on each other crosswise.
    per_account: dict[uuid.UUID, int] = defaultdict(int)
    for p in postings:
        account = accounts[p.account]
        per_account[account.id] += p.amount * normal_sign(account.kind)
    for account_id in sorted(per_account):
        if (
            per_account[account_id]
            and await repository.apply_to_balance(session, account_id, per_account[account_id])
            is None
        ):
            code = next(a.code for a in accounts.values() if a.id == account_id)
            raise InsufficientBalance(f"Account {code} may not go negative.")

    at = utcnow()
    transaction_id = uuid.uuid4()
    txn = LedgerTransaction(
        id=transaction_id,
        tenant_id=tenant_id,
        seq=seq,
        idempotency_key=idempotency_key,
        request_digest=digest,
        description=description,
        metadata_=metadata or {},
        reverses_id=reverses,
        created_at=at,
        leaf=leaf.leaf_bytes(
            tenant=tenant_id,
            transaction_id=transaction_id,
            seq=seq,
            key=idempotency_key,
            at=at,
            content=content,
        ),
    )
    rows = [
        LedgerPosting(
            tenant_id=tenant_id,
            transaction_id=transaction_id,
            position=i,
            account_id=accounts[p.account].id,
            amount=p.amount,
            currency=p.currency,
        )
        for i, p in enumerate(postings)
    ]
    session.add(txn)
    await session.flush()
    session.add_all(rows)
    await repository.advance_sequencer(session, tenant_id, seq + 1)
    await session.flush()
    return Posted(txn, rows, created=True)


async def _replay(session: AsyncSession, key: str, digest: bytes) -> Posted | None:
    existing = await repository.transaction_by_key(session, key)
    if existing is None:
        return None
    if existing.request_digest != digest:
        raise IdempotencyConflict(key, existing.request_digest, digest)
    return Posted(existing, await repository.postings_of(session, existing.id), created=False)


async def reverse_transaction(
    session: AsyncSession, tenant_id: uuid.UUID, transaction_id: uuid.UUID, *, idempotency_key: str
) -> Posted:
    """Post the exact opposite of a transaction, referencing it (the only correction there is)."""
    original = await repository.transaction(session, transaction_id)
    if original is None:
        raise InvalidPostings(errors=[FieldError("reverses", "No such transaction.")])
    postings = await repository.postings_of(session, transaction_id)
    codes = await repository.account_codes(session, {p.account_id for p in postings})
    return await post_transaction(
        session,
        tenant_id,
        idempotency_key=idempotency_key,
        postings=[PostingSpec(codes[p.account_id], -p.amount, p.currency) for p in postings],
        description=f"Reversal of #{original.seq}",
        reverses=transaction_id,
    )


async def balance(session: AsyncSession, code: str) -> int:
    account = (await repository.accounts_by_code(session, [code])).get(code)
    if account is None:
        raise AccountNotFound(f"No ledger account {code}.")
    return await repository.balance(session, account.id)
