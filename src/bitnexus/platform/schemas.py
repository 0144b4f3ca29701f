"""Shapes of the platform admin's API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from bitnexus.core.schemas import OutputModel


class PlatformTenant(OutputModel):
    id: uuid.UUID
    slug: str
    name: str
    status: Literal["active", "suspended"]
    user_count: int
    created_at: dt.datetime


class PlatformTenantPage(OutputModel):
    items: list[PlatformTenant]
    next_cursor: str | None


class Money(OutputModel):
    """One currency's figures over the range, net of refunds (minor units)."""

    currency: str
    sales_minor: int
    commissions_minor: int  # earned by affiliates and their uplines
    fees_minor: int  # the platform's


class OrganisationActivity(OutputModel):
    id: uuid.UUID
    slug: str
    name: str
    status: Literal["active", "suspended"]
    created_at: dt.datetime
    users: int  # now
    new_users: int  # joined in the range
    affiliates: int
    vendors: int
    products: int  # approved, now
    new_products: int  # submitted in the range
    clicks: int  # human clicks in the range
    sales: int  # in the range
    money: list[Money]


class PlatformDay(OutputModel):
    day: dt.date
    new_organisations: int
    new_users: int
    clicks: int
    sales: int


class PlatformTotals(OutputModel):
    organisations: int
    users: int
    new_users: int
    products: int
    clicks: int
    sales: int
    money: list[Money]


class PlatformActivity(OutputModel):
    """Every organisation's size and activity over a range of UTC days, and the platform's."""

    start: dt.date
    end: dt.date  # inclusive
    totals: PlatformTotals
    days: list[PlatformDay]
    organisations: list[OrganisationActivity]
