"""Tenant rows and their logos."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base


class TenantStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class Tenant(Base):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$'", name="slug_format"),
        CheckConstraint("brand_color ~ '^#[0-9a-f]{6}$'", name="brand_color_hex"),
        CheckConstraint("default_currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint("default_commission_bps BETWEEN 0 AND 10000", name="commission_bps_range"),
        CheckConstraint("default_cookie_days BETWEEN 1 AND 365", name="cookie_days_range"),
        CheckConstraint(
            "default_refund_hold_days BETWEEN 0 AND 365", name="refund_hold_days_range"
        ),
        CheckConstraint("status IN ('active', 'suspended')", name="status_known"),
        CheckConstraint("platform_fee_bps BETWEEN 0 AND 10000", name="platform_fee_bps_range"),
        CheckConstraint("cardinality(override_bps) <= 3", name="override_levels_at_most_3"),
        CheckConstraint("attribution IN ('last_click', 'first_click')", name="attribution_known"),
        CheckConstraint(
            "fraud_min_click_seconds BETWEEN 0 AND 86400", name="fraud_min_click_seconds_range"
        ),
        CheckConstraint(
            "fraud_max_sales_per_address BETWEEN 0 AND 1000",
            name="fraud_max_sales_per_address_range",
        ),
        CheckConstraint("payout_threshold_minor >= 0", name="payout_threshold_not_negative"),
        CheckConstraint(
            "cardinality(tier_thresholds) = 3 AND cardinality(tier_bonus_bps) = 3",
            name="three_tiers_above_bronze",
        ),
        CheckConstraint(
            "payout_schedule IN ('weekly', 'monthly', 'manual')", name="payout_schedule_known"
        ),
        CheckConstraint(
            "content_credits_monthly BETWEEN 0 AND 1000000", name="content_credits_monthly_range"
        ),
        CheckConstraint(
            "char_length(btrim(content_disclosure)) BETWEEN 1 AND 40",
            name="content_disclosure_length",
        ),
        CheckConstraint(
            "recurring IN ('off', 'months', 'renewals', 'forever')", name="recurring_known"
        ),
        CheckConstraint(
            "(recurring IN ('months', 'renewals')) = (recurring_limit IS NOT NULL)"
            " AND coalesce(recurring_limit BETWEEN 1 AND 1200, true)",
            name="recurring_limit_range",
        ),
        CheckConstraint(
            "coalesce(lead_reward_minor BETWEEN 1 AND 1000000000000, true)",
            name="lead_reward_range",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(120))
    brand_color: Mapped[str] = mapped_column(String(7), server_default="#4f46e5")
    default_currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    default_commission_bps: Mapped[int] = mapped_column(server_default="1000")
    default_cookie_days: Mapped[int] = mapped_column(server_default="30")
    default_refund_hold_days: Mapped[int] = mapped_column(server_default="30")
    fallback_url: Mapped[str | None] = mapped_column(String(2000))  # paused/dead links land here
    platform_fee_bps: Mapped[int] = mapped_column(server_default="0")  # of each commission pool
    override_bps: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default="{}")
    attribution: Mapped[str] = mapped_column(String(16), server_default="last_click")
    # fraud rules: a sale sooner than this after its click is held (0: off)
    fraud_min_click_seconds: Mapped[int] = mapped_column(server_default="10")
    # more sales than this from one address in 24 hours are held (0: off)
    fraud_max_sales_per_address: Mapped[int] = mapped_column(server_default="3")
    # a coupon sale whose affiliate has no click on the product in the window is held
    fraud_hold_coupon_without_click: Mapped[bool] = mapped_column(server_default=text("true"))
    payout_threshold_minor: Mapped[int] = mapped_column(BigInteger, server_default="5000")
    payout_schedule: Mapped[str] = mapped_column(String(8), server_default="monthly")
    # tiers silver, gold, platinum: trailing 90-day approved earnings that reach each (minor
    # units) and the commission bonus each gives (basis points of the pool)
    tier_thresholds: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), server_default="{50000,250000,1000000}"
    )
    tier_bonus_bps: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default="{500,1000,2000}"
    )
    # marketing content: generations allowed per calendar month (UTC), and the advertising
    # disclosure every generated post carries
    content_credits_monthly: Mapped[int] = mapped_column(server_default="100")
    content_disclosure: Mapped[str] = mapped_column(String(40), server_default="#ad")
    # renewals of a subscription earn commission: never ("off"), for `recurring_limit` months
    # after its first sale or `recurring_limit` renewals, or "forever"
    recurring: Mapped[str] = mapped_column(String(8), server_default="off")
    recurring_limit: Mapped[int | None] = mapped_column()
    # a lead (a sign-up the vendor reports) earns this, in the default currency (None: nothing)
    lead_reward_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), server_default=TenantStatus.active.value)
    is_platform: Mapped[bool] = mapped_column(server_default=text("false"))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    # getting started: the commission policy's first save, and the checklist put away
    policy_saved_at: Mapped[dt.datetime | None] = mapped_column()
    onboarding_dismissed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class TenantLogo(Base):
    __tablename__ = "tenant_logos"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
