"""Request and response shapes of the tenants API."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, TypeAdapter, field_validator

from bitnexus.core.money import Currency
from bitnexus.core.schemas import BasisPoints, InputModel, Name, OutputModel

BrandColor = Annotated[
    str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$", to_lower=True, max_length=7)
]
_URL = TypeAdapter(AnyHttpUrl)
Recurring = Literal["off", "months", "renewals", "forever"]


class TenantBrief(OutputModel):
    id: uuid.UUID
    slug: str
    name: str
    display_name: str
    brand_color: str
    logo_url: str | None
    default_currency: str


class PublicTenant(OutputModel):
    slug: str
    display_name: str
    brand_color: str
    logo_url: str | None


class TenantSettings(OutputModel):
    slug: str
    name: str
    display_name: str
    brand_color: str
    logo_url: str | None
    default_currency: str
    default_commission_bps: int
    default_cookie_days: int
    default_refund_hold_days: int
    fallback_url: str | None
    platform_fee_bps: int
    override_bps: list[int]
    attribution: Literal["last_click", "first_click"]
    fraud_min_click_seconds: int
    fraud_max_sales_per_address: int
    fraud_hold_coupon_without_click: bool
    payout_threshold_minor: int
    payout_schedule: Literal["weekly", "monthly", "manual"]
    tier_thresholds: list[int]
    tier_bonus_bps: list[int]
    content_credits_monthly: int
    content_disclosure: str
    recurring: Recurring
    recurring_limit: int | None
    lead_reward_minor: int | None


class TenantSettingsUpdate(InputModel):
    display_name: Name | None = None
    brand_color: BrandColor | None = None
    default_currency: Currency | None = None
    default_commission_bps: BasisPoints | None = None
    default_cookie_days: int | None = Field(None, ge=1, le=365)
    default_refund_hold_days: int | None = Field(None, ge=0, le=365)
    fallback_url: str | None = Field(None, max_length=2000)  # "" clears it
    # the platform's share of each commission pool, and the referral override rates by level
    platform_fee_bps: BasisPoints | None = None
    override_bps: list[BasisPoints] | None = Field(None, max_length=3)
    attribution: Literal["last_click", "first_click"] | None = None
    # fraud rules (0 turns a threshold off)
    fraud_min_click_seconds: int | None = Field(None, ge=0, le=86_400)
    fraud_max_sales_per_address: int | None = Field(None, ge=0, le=1_000)
    fraud_hold_coupon_without_click: bool | None = None
    # payouts: the least available balance a batch pays, and when batches are made
    payout_threshold_minor: int | None = Field(None, ge=0, le=10**12)
    payout_schedule: Literal["weekly", "monthly", "manual"] | None = None
    # Silver, Gold, Platinum: trailing 90-day approved earnings (minor units) and bonus (bps)
    tier_thresholds: list[Annotated[int, Field(ge=1, le=10**12)]] | None = Field(
        None, min_length=3, max_length=3
    )
    tier_bonus_bps: list[BasisPoints] | None = Field(None, min_length=3, max_length=3)
    # marketing content: generations per calendar month, and the disclosure on every post
    content_credits_monthly: int | None = Field(None, ge=0, le=1_000_000)
    content_disclosure: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    # renewals earn commission: never, for `recurring_limit` months or renewals, or forever
    recurring: Recurring | None = None
    recurring_limit: int | None = Field(None, ge=1, le=1200)  # null with "off" and "forever"
    # a lead's fixed reward in the default currency; 0 turns lead rewards off
    lead_reward_minor: int | None = Field(None, ge=0, le=10**12)

    @field_validator("fallback_url")
    @classmethod
    def _https(cls, url: str | None) -> str | None:
        if not url:
            return url
        parsed = _URL.validate_python(url)
        if parsed.scheme != "https":
            raise ValueError("Use an https:// address.")
        return str(parsed)


class CurrencyRead(OutputModel):
    """An ISO 4217 currency: its code, English name and the decimals of its minor unit."""

    code: str
    name: str
    minor_digits: int
