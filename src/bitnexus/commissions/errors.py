"""Errors of the conversions and commissions domain."""

from __future__ import annotations

from bitnexus.core.errors import BitnexusError, Conflict, NotFound


class ConversionNotFound(NotFound):
    title = "Conversion not found"


class SubscriptionNotFound(NotFound):
    title = "Subscription not found"


class CouponNotFound(NotFound):
    title = "Coupon not found"


class CouponTaken(Conflict):
    title = "Coupon code already used"


class ConversionConflict(Conflict):
    """The order was reported before with other content (amount, currency, click…)."""

    title = "Order already reported with other content"

    def __init__(self, order_id: str, stored: bytes, given: bytes) -> None:
        super().__init__(
            f"Order {order_id} was reported before with other content; a retry must repeat it.",
            extra={"stored_digest": stored.hex(), "given_digest": given.hex()},
        )


class RefundConflict(Conflict):
    title = "Refund id already used with another amount"


class InvalidReport(BitnexusError):
    """A browser report that is not a valid sale (the snippet's body is parsed by hand)."""

    status = 422
    title = "Invalid input"


class HoldNotFound(NotFound):
    title = "Hold not found"


class HoldClosed(Conflict):
    title = "Hold already decided or appealed"
