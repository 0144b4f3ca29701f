"""The columns of a ledger account statement export (`core/export.py`)."""

from __future__ import annotations

from bitnexus.core import export
from bitnexus.ledger.schemas import StatementLine


def statement_columns(currency: str) -> list[export.Column[StatementLine]]:
    """A statement's columns; amounts and balances in the account's currency."""
    return [
        export.timestamp("Posted (UTC)", lambda r: r.created_at),
        export.integer("Sequence", lambda r: r.seq),
        export.text("Entry", lambda r: r.title),
        export.text("Kind", lambda r: r.kind.value),
        export.money("Amount", lambda r: r.amount, lambda _: currency),
        export.text("For you", lambda r: r.effect),
        export.money("Balance after", lambda r: r.balance, lambda _: currency),
        export.text("Currency", lambda _: currency),
        export.text("Transaction ID", lambda r: r.transaction_id),
    ]
