"""Coupons, conversions (sales a vendor reports), the commissions they earn and their refunds.

The ledger holds the money; these rows say why it moved and what state each share is in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class Attribution(StrEnum):
    click = "click"
    coupon = "coupon"
    renewal = "renewal"  # a subscription's renewal, credited to its first sale's affiliate
    none = "none"  # recorded for the vendor's figures; earns no commission


class Unattributed(StrEnum):
    """Why a conversion earned nothing."""

    no_click = "no_click"  # neither a click id nor a coupon was given
    unknown_click = "unknown_click"  # no such click in this tenant
    expired_click = "expired_click"  # the click is older than the product's cookie window
    other_vendor = "other_vendor"  # the click or coupon is for another vendor's product
    unknown_coupon = "unknown_coupon"
    recurring_off = "recurring_off"  # a renewal, and the policy pays no renewals
    recurring_ended = "recurring_ended"  # a renewal past the policy's months or renewals
    no_lead_reward = "no_lead_reward"  # a lead, and the policy pays no lead rewards


class ConversionKind(StrEnum):
    sale = "sale"
    lead = "lead"  # a sign-up the vendor reported: no amount, a fixed reward


class ConversionState(StrEnum):
    pending = "pending"  # commissions pending until the refund hold ends
    held = "held"  # a fraud rule matched: waiting for an admin's decision
    matured = "matured"  # commissions available
    refunded = "refunded"  # refunded in full
    rejected = "rejected"  # held, then rejected: the commission went back to the vendor
    unattributed = "unattributed"


class ShareKind(StrEnum):
    affiliate = "affiliate"
    override = "override"  # an upline's referral override
    platform_fee = "platform_fee"


class CommissionState(StrEnum):
    pending = "pending"
    held = "held"
    available = "available"
    reversed = "reversed"  # refunded in full
    rejected = "rejected"


class HoldReason(StrEnum):
    """The fraud rules; each holds a commission for an admin's review (see docs/marketplace.md)."""

    self_referral = "self_referral"  # the affiliate's own account or address bought
    too_fast = "too_fast"  # bought impossibly soon after the click
    shared_address = "shared_address"  # too many sales from one address in a day
    no_click = "no_click"  # a coupon sale with no recorded click by its affiliate


class HoldStatus(StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"


class Coupon(Base):
    """A coupon code a vendor's shop accepts, assigned to an affiliate for one product."""

    __tablename__ = "coupons"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        CheckConstraint("code ~ '^[A-Z0-9][A-Z0-9_-]{2,39}$'", name="code_format"),
        Index("ix_coupons_tenant_id_affiliate_id", "tenant_id", "affiliate_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    code: Mapped[str] = mapped_column(String(40))  # stored upper-case; matched case-insensitively
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class Conversion(Base):
    """A sale a vendor reported, once per (vendor, order id); `digest` is what a retry must
    repeat. The rates it was split at are kept, so refunds use the same ones."""

    __tablename__ = "conversions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "vendor_id", "order_id"),
        ForeignKeyConstraint(["tenant_id", "vendor_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "link_id"], ["links.tenant_id", "links.id"]),
        ForeignKeyConstraint(  # checked at commit: a batch inserts before it posts
            ["tenant_id", "ledger_transaction_id"],
            ["ledger_transactions.tenant_id", "ledger_transactions.id"],
            deferrable=True,
            initially="DEFERRED",
        ),
        CheckConstraint(
            "amount_minor > 0 OR (kind = 'lead' AND amount_minor = 0)", name="amount_positive"
        ),
        CheckConstraint("refunded_minor BETWEEN 0 AND amount_minor", name="refunded_within_amount"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint(
            "attribution IN ('click', 'coupon', 'renewal', 'none')", name="attribution_known"
        ),
        CheckConstraint("kind IN ('sale', 'lead')", name="kind_known"),
        CheckConstraint("(subscription_ref IS NULL) = (renewal IS NULL)", name="renewal_numbered"),
        CheckConstraint(
            "state IN ('pending', 'held', 'matured', 'refunded', 'rejected', 'unattributed')",
            name="state_known",
        ),
        CheckConstraint(
            "(attribution = 'none') = (affiliate_id IS NULL)", name="attributed_has_affiliate"
        ),
        Index(
            "ix_conversions_tenant_id_vendor_id_created_at_id",
            "tenant_id",
            "vendor_id",
            "created_at",
            "id",
        ),
        Index(
            "ix_conversions_tenant_id_affiliate_id_created_at",
            "tenant_id",
            "affiliate_id",
            "created_at",
        ),
        Index("ix_conversions_tenant_id_ip_hash_created_at", "tenant_id", "ip_hash", "created_at"),
        Index("ix_conversions_tenant_id_product_id", "tenant_id", "product_id"),
        Index(
            "ix_conversions_tenant_id_vendor_id_subscription_ref",
            "tenant_id",
            "vendor_id",
            "subscription_ref",
            postgresql_where=text("subscription_ref IS NOT NULL"),
        ),
        Index(
            "ix_conversions_due",
            "matures_at",
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    vendor_id: Mapped[uuid.UUID] = mapped_column()
    order_id: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    # (tenant_id, click_id) is checked by a trigger: clicks take no foreign keys (0027)
    click_id: Mapped[uuid.UUID | None] = mapped_column()
    link_id: Mapped[uuid.UUID | None] = mapped_column()  # the click's, for per-link figures
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    affiliate_id: Mapped[uuid.UUID | None] = mapped_column()
    attribution: Mapped[str] = mapped_column(String(8))
    unattributed_reason: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))  # "api" or "browser"
    digest: Mapped[bytes] = mapped_column(LargeBinary)
    ip_hash: Mapped[bytes | None] = mapped_column(LargeBinary)  # the buyer's, keyed like clicks'
    commission_bps: Mapped[int | None] = mapped_column()
    commission_fixed_minor: Mapped[int | None] = mapped_column(BigInteger)
    tier_bonus_bps: Mapped[int] = mapped_column(server_default="0")
    fee_bps: Mapped[int] = mapped_column(server_default="0")
    override_bps: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default="{}")
    pool_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    refunded_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    ledger_transaction_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()
    matures_at: Mapped[dt.datetime | None] = mapped_column()
    matured_at: Mapped[dt.datetime | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8), server_default="sale")
    # the vendor's subscription id; 0 for its first sale, n for its n-th renewal, and the
    # number of renewals the policy paid for when it was recorded (None: no such limit)
    subscription_ref: Mapped[str | None] = mapped_column(String(100))
    renewal: Mapped[int | None] = mapped_column()
    renewal_limit: Mapped[int | None] = mapped_column()
    group_id: Mapped[uuid.UUID | None] = mapped_column()  # the group whose rule it earned


class Subscription(Base):
    """A vendor's subscription, from its first sale: its renewals are credited to that sale's
    affiliate (if any) while the organisation's recurring rule allows."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "vendor_id", "subscription_ref"),
        ForeignKeyConstraint(["tenant_id", "vendor_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        CheckConstraint("renewals >= 0", name="renewals_not_negative"),
        CheckConstraint("renewals_earned BETWEEN 0 AND renewals", name="earned_within_renewals"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    vendor_id: Mapped[uuid.UUID] = mapped_column()
    subscription_ref: Mapped[str] = mapped_column(String(100))
    affiliate_id: Mapped[uuid.UUID | None] = mapped_column()  # None: the first sale had none
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    first_order_id: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column()
    renewals: Mapped[int] = mapped_column(server_default="0")  # reported so far
    renewals_earned: Mapped[int] = mapped_column(server_default="0")  # of those, commissioned


class Commission(Base):
    """One party's share of a conversion's pool (the platform's fee has no beneficiary). The
    sale's vendor, product and link are copied onto each share when it is made (never changed),
    so sums per product or link need no join with the sales."""

    __tablename__ = "commissions"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "conversion_id"], ["conversions.tenant_id", "conversions.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "beneficiary_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "conversion_id", "kind", "level"),
        CheckConstraint("kind IN ('affiliate', 'override', 'platform_fee')", name="kind_known"),
        CheckConstraint(
            "state IN ('pending', 'held', 'available', 'reversed', 'rejected')", name="state_known"
        ),
        CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("reversed_minor BETWEEN 0 AND amount_minor", name="reversed_within_amount"),
        CheckConstraint(
            "(kind = 'platform_fee') = (beneficiary_id IS NULL)", name="fee_has_no_beneficiary"
        ),
        Index(
            "ix_commissions_tenant_id_beneficiary_id_created_at",
            "tenant_id",
            "beneficiary_id",
            "created_at",
        ),
        Index(
            "ix_commissions_tenant_id_vendor_id_created_at", "tenant_id", "vendor_id", "created_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    conversion_id: Mapped[uuid.UUID] = mapped_column()
    beneficiary_id: Mapped[uuid.UUID | None] = mapped_column()
    vendor_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    link_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column()  # 0 for the affiliate and the fee, 1..3 for uplines
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class Refund(Base):
    """A refund of part or all of a conversion, once per (conversion, vendor's refund id).
    After the refund hold it claws back from available earnings (`clawback`)."""

    __tablename__ = "refunds"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "conversion_id"], ["conversions.tenant_id", "conversions.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "ledger_transaction_id"],
            ["ledger_transactions.tenant_id", "ledger_transactions.id"],
        ),
        UniqueConstraint("tenant_id", "conversion_id", "refund_ref"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    conversion_id: Mapped[uuid.UUID] = mapped_column()
    refund_ref: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), server_default="")
    clawback: Mapped[bool] = mapped_column()
    ledger_transaction_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()


class FraudHold(Base):
    """A conversion held by the fraud rules, and what became of it."""

    __tablename__ = "fraud_holds"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "conversion_id"),
        ForeignKeyConstraint(
            ["tenant_id", "conversion_id"], ["conversions.tenant_id", "conversions.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "decided_by"], ["users.tenant_id", "users.id"]),
        CheckConstraint("status IN ('open', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("cardinality(reasons) > 0", name="has_reasons"),
        Index("ix_fraud_holds_tenant_id_status_created_at", "tenant_id", "status", "created_at"),
        Index("ix_fraud_holds_tenant_id_affiliate_id", "tenant_id", "affiliate_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    conversion_id: Mapped[uuid.UUID] = mapped_column()
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    # what each rule found, one object per reason (`service.findings`); [] before 0045
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    status: Mapped[str] = mapped_column(String(8))
    appeal: Mapped[str | None] = mapped_column(String(2000))
    appealed_at: Mapped[dt.datetime | None] = mapped_column()
    decided_by: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(2000), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column()


class FraudHoldEvent(Base):
    """Every step of a hold (held, appealed, approved, rejected), never rewritten."""

    __tablename__ = "fraud_hold_events"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "hold_id"], ["fraud_holds.tenant_id", "fraud_holds.id"]),
        ForeignKeyConstraint(["tenant_id", "actor_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint("kind IN ('held', 'appealed', 'approved', 'rejected')", name="kind_known"),
        Index(
            "ix_fraud_hold_events_tenant_id_hold_id_created_at",
            "tenant_id",
            "hold_id",
            "created_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    hold_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()  # None: the rules themselves
    message: Mapped[str] = mapped_column(String(2000), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column()


class MemberAddress(Base):
    """An address (hashed with the day's click salt) a member signed in from: the
    self-referral rule compares buyers' addresses with their affiliate's. Kept two days."""

    __tablename__ = "member_addresses"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    ip_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)


class Tier(StrEnum):
    bronze = "bronze"
    silver = "silver"
    gold = "gold"
    platinum = "platinum"


class TierChange(Base):
    """An affiliate moving between tiers, with the trailing earnings that moved them; the
    latest row is their tier (none: bronze). Never rewritten."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint(
            "tier IN ('bronze', 'silver', 'gold', 'platinum')"
            " AND previous IN ('bronze', 'silver', 'gold', 'platinum')",
            name="tiers_known",
        ),
        Index("ix_tier_changes_tenant_id_user_id_created_at", "tenant_id", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    previous: Mapped[str] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(8))
    earnings_minor: Mapped[int] = mapped_column(BigInteger)  # trailing 90 days, approved
    created_at: Mapped[dt.datetime] = mapped_column()
