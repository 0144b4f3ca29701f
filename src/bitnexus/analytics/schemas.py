"""Dashboard and affiliate directory shapes. Money in integer minor units of one currency
(`currency`: the program's unless another was asked for); rates in basis points; days in UTC."""

from __future__ import annotations

import datetime as dt
import uuid

from bitnexus.accounts.models import UserStatus
from bitnexus.commissions.models import Tier
from bitnexus.commissions.schemas import CommissionShare, Earnings, HoldRead, TierRead
from bitnexus.core.schemas import OutputModel
from bitnexus.groups.schemas import GroupRef
from bitnexus.payouts.schemas import ItemRead


class Range(OutputModel):
    start: dt.date
    end: dt.date  # inclusive


class Traffic(OutputModel):
    clicks_raw: int  # every click
    clicks: int  # without bots and prefetches
    unique_clicks: int
    conversions: int
    conversion_rate_bps: int  # conversions per 10,000 filtered clicks
    earnings_minor: int  # shares earned in the range, net of refunds, not rejected
    epc_minor: int  # earnings per filtered click, rounded down


class Day(OutputModel):
    day: dt.date
    clicks_raw: int
    clicks: int
    unique_clicks: int
    conversions: int
    earnings_minor: int


class CountryClicks(OutputModel):
    """Clicks from one country (ISO 3166 alpha-2; None: unknown) in the range."""

    country: str | None
    clicks_raw: int
    clicks: int  # without bots
    unique_clicks: int


class Row(Traffic):
    """One link or product of the range."""

    id: uuid.UUID
    label: str


class CampaignRow(Traffic):
    """The range's traffic of an affiliate's links that share a campaign (`utm_campaign`)."""

    campaign: str | None  # None: the links without a campaign
    links: int  # its links with figures in the range


class AffiliateDashboard(OutputModel):
    range: Range
    currency: str  # of every money figure
    currencies: list[str]  # the program's (or vendor's) sales can be in; ask with ?currency=
    totals: Traffic
    balances: Earnings  # all time, from the ledger
    days: list[Day]
    links: list[Row]
    campaigns: list[CampaignRow]  # the links' rows added up by campaign
    products: list[Row]
    countries: list[CountryClicks]  # most clicks first, unknown last


class VendorProduct(OutputModel):
    id: uuid.UUID
    title: str
    clicks: int
    sales: int
    sales_minor: int
    refunded_minor: int
    commission_minor: int  # owed for the range's sales, net of refunds and rejections


class VendorDay(OutputModel):
    day: dt.date
    sales: int
    sales_minor: int
    commission_minor: int


class VendorDashboard(OutputModel):
    range: Range
    currency: str  # of every money figure
    currencies: list[str]  # the program's (or vendor's) sales can be in; ask with ?currency=
    sales: int
    sales_minor: int
    refunded_minor: int
    commission_minor: int
    receivable_minor: int  # all time, from the ledger: commissions owed to the program
    days: list[VendorDay]
    products: list[VendorProduct]
    countries: list[CountryClicks]  # clicks on your products, most first, unknown last


class Leader(OutputModel):
    affiliate_id: uuid.UUID
    name: str
    clicks: int
    conversions: int
    earnings_minor: int


class AdminDashboard(OutputModel):
    range: Range
    currency: str  # of every money figure
    currencies: list[str]  # the program's (or vendor's) sales can be in; ask with ?currency=
    totals: Traffic  # the whole program; earnings = every affiliate's and upline's shares
    sales_minor: int
    fees_minor: int  # the platform's share of the range's sales
    fees_balance_minor: int  # all time, from the ledger
    days: list[Day]
    leaders: list[Leader]  # top affiliates by earnings in the range
    countries: list[CountryClicks]  # most clicks first, unknown last
    vetting_queue: int
    fraud_queue: int
    payouts_in_payment: int


class Member(OutputModel):
    """Another member named beside an affiliate: who referred them, or whom they referred."""

    id: uuid.UUID
    name: str
    status: UserStatus
    joined_at: dt.datetime


class HoldCounts(OutputModel):
    """An affiliate's fraud holds so far, by what became of them."""

    open: int
    approved: int
    rejected: int


class AffiliateSummary(Traffic):
    """One affiliate as the directory lists them: who they are, their range's traffic
    (`Traffic`), sales, balances from the ledger, tier, network and fraud history."""

    id: uuid.UUID
    name: str
    email: str
    status: UserStatus
    joined_at: dt.datetime
    referral_code: str | None
    tier: Tier  # the recorded tier
    group: GroupRef | None  # the group they are in now
    referred_by: Member | None
    referrals: int  # members they brought in
    sales_minor: int  # the range's attributed sales, refunds not taken off
    balances: Earnings  # all time, in the page's currency, from the ledger
    holds: HoldCounts


class AffiliateDirectory(OutputModel):
    range: Range
    currency: str  # of every money figure
    items: list[AffiliateSummary]
    next_cursor: str | None


class AffiliateProfile(OutputModel):
    """One affiliate in full, for the admin: the directory's summary, their days, balances in
    every currency, tier and its history, the members they referred, every fraud hold (in the
    admin's words), their payouts and latest commissions."""

    range: Range
    currency: str
    summary: AffiliateSummary
    days: list[Day]
    balances: list[Earnings]
    tier: TierRead
    referrals: list[Member]
    holds: list[HoldRead]
    payouts: list[ItemRead]
    commissions: list[CommissionShare]
