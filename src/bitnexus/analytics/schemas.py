"""Dashboard shapes. Money in integer minor units of one currency (`currency`: the program's
unless another was asked for); rates in basis points; days in UTC."""

from __future__ import annotations

import datetime as dt
import uuid

from bitnexus.commissions.schemas import Earnings
from bitnexus.core.schemas import OutputModel


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


class AffiliateDashboard(OutputModel):
    range: Range
    currency: str  # of every money figure
    currencies: list[str]  # the program's (or vendor's) sales can be in; ask with ?currency=
    totals: Traffic
    balances: Earnings  # all time, from the ledger
    days: list[Day]
    links: list[Row]
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
