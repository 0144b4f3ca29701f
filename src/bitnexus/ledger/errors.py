"""Errors of the ledger domain."""

from __future__ import annotations

from bitnexus.core.errors import BitnexusError, Conflict, FieldError, NotFound


class UnbalancedTransaction(BitnexusError):
    status = 422
    title = "Unbalanced transaction"

    def __init__(self, imbalance: dict[str, int]) -> None:
        parts = ", ".join(f"{cur} {amount:+d}" for cur, amount in sorted(imbalance.items()))
        super().__init__(
            f"Postings must sum to zero in every currency; off by {parts}.",
            errors=[FieldError("postings", f"Imbalance: {parts}.")],
            extra={"imbalance": imbalance},
        )


class InvalidPostings(BitnexusError):
    status = 422
    title = "Invalid postings"


class IdempotencyConflict(Conflict):
    title = "Idempotency key reused with different content"

    def __init__(self, key: str, original: bytes, attempted: bytes) -> None:
        super().__init__(
            f"The idempotency key '{key}' was used for a different transaction.",
            errors=[FieldError("idempotency_key", "Already used with different content.")],
            extra={"original_digest": original.hex(), "attempted_digest": attempted.hex()},
        )


class AccountNotFound(NotFound):
    title = "Ledger account not found"


class AccountConflict(Conflict):
    title = "Ledger account exists with other terms"


class InsufficientBalance(Conflict):
    title = "Insufficient balance"


class TransactionNotFound(NotFound):
    title = "Ledger transaction not found"


class BlockNotFound(NotFound):
    title = "Block not found"


class NotYetSealed(Conflict):
    title = "Not yet in a signed checkpoint"


class TileNotFound(NotFound):
    """A tile, entry bundle or checkpoint of the public log that the latest signed checkpoint
    does not cover (yet). Not cached: it may exist at the next checkpoint."""

    title = "Not in the signed log"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Cache-Control": "no-store"})


class SigningKeyUnavailable(BitnexusError):
    """A log's first key cannot be registered: its secret is missing (the operator's to fix)."""

    status = 503
    title = "Signing key unavailable"
