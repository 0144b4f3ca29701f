"""The columns of the payout exports (`core/export.py`). The payout lists are not paginated
(one item per affiliate and batch, one batch per payout day): their exports read them whole, as
the list routes do."""

from __future__ import annotations

from bitnexus.core import export
from bitnexus.payouts.schemas import BatchSummary, ItemRead

ITEM_COLUMNS: list[export.Column[ItemRead]] = [
    export.timestamp("Created (UTC)", lambda i: i.created_at),
    export.text("Reference", lambda i: i.reference),
    export.text("Affiliate", lambda i: i.affiliate_name),
    export.money("Amount", lambda i: i.amount_minor, lambda i: i.currency),
    export.text("Currency", lambda i: i.currency),
    export.text("Method", lambda i: i.method),
    export.text("Account", lambda i: i.account),
    export.text("Status", lambda i: i.status),
    export.text("Failure reason", lambda i: i.failure_reason),
    export.timestamp("Settled (UTC)", lambda i: i.settled_at),
    export.text("Affiliate ID", lambda i: i.affiliate_id),
    export.text("Batch ID", lambda i: i.batch_id),
    export.text("Payout ID", lambda i: i.id),
]

BATCH_COLUMNS: list[export.Column[BatchSummary]] = [
    export.timestamp("Created (UTC)", lambda b: b.created_at),
    export.integer("Batch", lambda b: b.number),
    export.text("Status", lambda b: b.status),
    export.integer("Payouts", lambda b: b.item_count),
    export.money("Total", lambda b: b.total_minor, lambda b: b.currency),
    export.text("Currency", lambda b: b.currency),
    export.text("Scheduled", lambda b: "yes" if b.scheduled else "no"),
    export.text("Batch ID", lambda b: b.id),
]
