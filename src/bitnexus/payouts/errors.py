"""Errors of the payouts domain."""

from __future__ import annotations

from bitnexus.core.errors import Conflict, NotFound


class BatchNotFound(NotFound):
    title = "Payout batch not found"


class ItemNotFound(NotFound):
    title = "Payout not found"


class BatchStillOpen(Conflict):
    title = "A payout batch is still open"


class NothingToPay(Conflict):
    title = "Nothing to pay"


class ItemSettled(Conflict):
    title = "Payout already settled"
