"""The ledger accounts commissions move money between, one set per currency.

`vendor:{id}:receivable:{CUR}` what a vendor owes for commissions (asset)
`affiliate:{id}:pending:{CUR}` earned, inside the refund hold (liability)
`affiliate:{id}:held:{CUR}` earned, held by a fraud rule until an admin decides
`affiliate:{id}:available:{CUR}` matured, ready to pay out; negative after a clawback
`affiliate:{id}:payout:{CUR}` in a payout batch, until it is marked paid or failed
`affiliate:{id}:paid:{CUR}` paid out
`platform:fees:{CUR}` the platform's share of each pool (revenue)
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import AccountSpec


class Earning(StrEnum):
    pending = "pending"
    held = "held"
    available = "available"
    payout = "payout"
    paid = "paid"


def receivable(vendor_id: uuid.UUID, currency: str) -> AccountSpec:
    return AccountSpec(
        f"vendor:{vendor_id}:receivable:{currency}", AccountKind.asset, currency, owner=vendor_id
    )


def earnings(user_id: uuid.UUID, state: Earning, currency: str) -> AccountSpec:
    return AccountSpec(
        f"affiliate:{user_id}:{state}:{currency}", AccountKind.liability, currency, owner=user_id
    )


def fees(currency: str) -> AccountSpec:
    return AccountSpec(f"platform:fees:{currency}", AccountKind.revenue, currency)
