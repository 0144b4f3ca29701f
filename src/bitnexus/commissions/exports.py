"""The columns of the sales and commissions exports (`core/export.py`)."""

from __future__ import annotations

from bitnexus.commissions.schemas import CommissionShare, ConversionRead
from bitnexus.core import export

SALE_COLUMNS: list[export.Column[ConversionRead]] = [
    export.timestamp("Reported (UTC)", lambda c: c.created_at),
    export.text("Order", lambda c: c.order_id),
    export.text("Product", lambda c: c.product_title),
    export.money("Amount", lambda c: c.amount_minor, lambda c: c.currency),
    export.money("Refunded", lambda c: c.refunded_minor, lambda c: c.currency),
    export.money("Commission", lambda c: c.pool_minor, lambda c: c.currency),
    export.text("Currency", lambda c: c.currency),
    export.text("State", lambda c: c.state),
    export.text("Attribution", lambda c: c.attribution),
    export.text("Unattributed because", lambda c: c.unattributed_reason),
    export.text("Affiliate ID", lambda c: c.affiliate_id),
    export.text("Held because", lambda c: c.hold_reasons),
    export.timestamp("Matures (UTC)", lambda c: c.matures_at),
    export.text("Sale ID", lambda c: c.id),
    export.text("Product ID", lambda c: c.product_id),
    export.text("Ledger transaction", lambda c: c.ledger_transaction_id),
]

COMMISSION_COLUMNS: list[export.Column[CommissionShare]] = [
    export.timestamp("Created (UTC)", lambda c: c.created_at),
    export.text("Product", lambda c: c.product_title),
    export.text("Kind", lambda c: c.kind),
    export.integer("Level", lambda c: c.level),
    export.money("Sale", lambda c: c.sale_minor, lambda c: c.currency),
    export.money("Commission", lambda c: c.amount_minor, lambda c: c.currency),
    export.money("Reversed", lambda c: c.reversed_minor, lambda c: c.currency),
    export.text("Currency", lambda c: c.currency),
    export.text("State", lambda c: c.state),
    export.timestamp("Matures (UTC)", lambda c: c.matures_at),
    export.text("Hold", lambda c: c.hold_status),
    export.text("Held because", lambda c: c.hold_reasons),
    export.text("Commission ID", lambda c: c.id),
    export.text("Sale ID", lambda c: c.conversion_id),
    export.text("Product ID", lambda c: c.product_id),
]
