"""Request and response shapes of conversions, commissions, refunds and coupons (money in
integer minor units)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from bitnexus.commissions.models import (
    Attribution,
    CommissionState,
    ConversionKind,
    ConversionState,
    HoldReason,
    HoldStatus,
    ShareKind,
    Tier,
    Unattributed,
)
from bitnexus.core.money import CurrencyShape
from bitnexus.core.schemas import InputModel, OutputModel

MAX_AMOUNT = 10**12  # minor units
Reference = Annotated[str, StringConstraints(min_length=1, max_length=100)]
CouponCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$", to_upper=True)
]


class ConversionCreate(InputModel):
    """A sale: the click id from the `bnx_cid` parameter or cookie, or a coupon code; the
    order id makes a retry safe (same order, same content: the original comes back)."""

    order_id: Reference
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT)
    currency: CurrencyShape
    click_id: uuid.UUID | None = None
    coupon: CouponCode | None = None
    product_id: uuid.UUID | None = None  # needed only when neither click nor coupon names it
    customer_ref: str | None = Field(None, max_length=200)
    # your subscription id: its first sale starts it, later sales with it are its renewals
    # (credited to the first sale's affiliate while the organisation's recurring rule allows)
    subscription_id: Reference | None = None


class LeadCreate(InputModel):
    """A lead (a sign-up): attributed like a sale, rewarded with the organisation's fixed lead
    reward; `lead_id` (yours) makes a retry safe."""

    lead_id: Annotated[str, StringConstraints(min_length=1, max_length=95)]
    click_id: uuid.UUID | None = None
    coupon: CouponCode | None = None
    product_id: uuid.UUID | None = None  # needed only when neither click nor coupon names it
    customer_ref: str | None = Field(None, max_length=200)

    def as_conversion(self, currency: str) -> ConversionCreate:
        """The lead as the pipeline records it: an order `lead:<id>` with no amount."""
        return ConversionCreate.model_construct(
            order_id=f"{LEAD_PREFIX}{self.lead_id}",
            amount_minor=0,
            currency=currency,
            click_id=self.click_id,
            coupon=self.coupon,
            product_id=self.product_id,
            customer_ref=self.customer_ref,
            subscription_id=None,
        )


LEAD_PREFIX = "lead:"  # a lead's order id: lead ids never meet the vendor's order ids


class BrowserConversion(ConversionCreate):
    """What `/sdk/bnx.js` sends from the vendor's thank-you page: a sale and a browser key."""

    key: str = Field(max_length=200)


class ShareRead(OutputModel):
    kind: ShareKind
    level: int
    beneficiary_id: uuid.UUID | None
    amount_minor: int
    reversed_minor: int
    state: CommissionState


class ConversionRead(OutputModel):
    id: uuid.UUID
    order_id: str
    amount_minor: int
    currency: str
    refunded_minor: int
    product_id: uuid.UUID | None
    product_title: str | None
    affiliate_id: uuid.UUID | None
    attribution: Attribution
    unattributed_reason: Unattributed | None
    state: ConversionState
    pool_minor: int  # the commission the vendor owes for it (before refunds)
    shares: list[ShareRead]
    ledger_transaction_id: uuid.UUID | None
    created_at: dt.datetime
    matures_at: dt.datetime | None
    hold_reasons: list[HoldReason] = Field(default_factory=list)  # why it is held, if it is
    test: bool = False  # reported with a test key: checked and split, nothing stored
    kind: ConversionKind = ConversionKind.sale
    subscription_id: str | None = None  # the vendor's
    renewal: int | None = None  # 0: the subscription's first sale; n: its n-th renewal
    renewal_limit: int | None = None  # how many renewals earn, when the rule counts them


class ConversionPage(OutputModel):
    items: list[ConversionRead]
    next_cursor: str | None


class SubscriptionRead(OutputModel):
    """A subscription, from its first sale, with every sale of it (first sale, renewals)."""

    subscription_id: str
    affiliate_id: uuid.UUID | None
    product_id: uuid.UUID | None
    started_at: dt.datetime
    renewals: int
    renewals_earned: int
    sales: list[ConversionRead]  # oldest first


class RefundCreate(InputModel):
    """Part or all of a sale given back; `refund_id` (yours) makes a retry safe."""

    refund_id: Reference
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT)
    reason: str = Field("", max_length=500)


class RefundRead(OutputModel):
    id: uuid.UUID
    conversion_id: uuid.UUID
    refund_id: str
    amount_minor: int
    reason: str
    clawback: bool  # after the refund hold: taken back from available earnings
    ledger_transaction_id: uuid.UUID | None
    created_at: dt.datetime


class CommissionShare(OutputModel):
    """One of your shares of a sale."""

    id: uuid.UUID
    conversion_id: uuid.UUID
    order_id: str  # the vendor's order id of the sale
    beneficiary_id: uuid.UUID | None  # who earns it (None: the platform's fee)
    beneficiary_name: str | None
    kind: ShareKind
    level: int
    amount_minor: int
    reversed_minor: int
    currency: str
    state: CommissionState
    product_id: uuid.UUID | None
    product_title: str | None
    sale_minor: int
    created_at: dt.datetime
    matures_at: dt.datetime | None
    hold_id: uuid.UUID | None
    hold_reasons: list[HoldReason]
    hold_status: HoldStatus | None
    sale_kind: ConversionKind = ConversionKind.sale
    subscription_id: str | None = None
    renewal: int | None = None
    renewal_limit: int | None = None


class CommissionSharePage(OutputModel):
    items: list[CommissionShare]
    next_cursor: str | None


class Earnings(OutputModel):
    """Your balances by state, per currency, read from the ledger."""

    currency: str
    pending_minor: int
    held_minor: int
    available_minor: int
    in_payment_minor: int  # in a payout batch, not yet marked paid
    paid_minor: int


class CouponCreate(InputModel):
    """`affiliate_code` is the affiliate's referral code (the code they share anyway)."""

    code: CouponCode
    affiliate_code: Annotated[str, StringConstraints(min_length=4, max_length=16, to_upper=True)]
    product_id: uuid.UUID


class CouponRead(OutputModel):
    id: uuid.UUID
    code: str
    affiliate_id: uuid.UUID
    affiliate_name: str
    product_id: uuid.UUID
    product_title: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class Appeal(InputModel):
    message: str = Field(min_length=1, max_length=2000)


class HoldDecision(InputModel):
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=2000)


class HoldEventRead(OutputModel):
    kind: Literal["held", "appealed", "approved", "rejected"]
    actor_id: uuid.UUID | None
    message: str
    created_at: dt.datetime


class HoldRead(OutputModel):
    id: uuid.UUID
    conversion_id: uuid.UUID
    order_id: str  # the vendor's order id of the held sale
    customer_ref: str | None  # the vendor's customer reference: admins only
    affiliate_id: uuid.UUID
    affiliate_name: str
    product_title: str | None
    sale_minor: int
    pool_minor: int
    currency: str
    reasons: list[HoldReason]
    explained: list[str]  # each reason in the reader's words (admins: what the rule found)
    status: HoldStatus
    appeal: str | None
    appealed_at: dt.datetime | None
    note: str
    decided_at: dt.datetime | None
    created_at: dt.datetime
    events: list[HoldEventRead]


class HoldPage(OutputModel):
    items: list[HoldRead]
    next_cursor: str | None


class TierChangeRead(OutputModel):
    previous: Tier
    tier: Tier
    earnings_minor: int
    created_at: dt.datetime


class TierStep(OutputModel):
    tier: Tier
    threshold_minor: int
    bonus_bps: int


class TierRead(OutputModel):
    """Your tier, the trailing 90-day approved earnings it rests on, and the way up."""

    tier: Tier
    bonus_bps: int
    earnings_minor: int
    currency: str
    next_tier: Tier | None
    next_threshold_minor: int | None
    ladder: list[TierStep]
    history: list[TierChangeRead]  # newest first
