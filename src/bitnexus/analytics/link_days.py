"""Clicks per link per UTC day over a dashboard's range: the clicks summary export's rows,
read one day at a time (a day is a page: `core/export.py` streams them)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.analytics import repository
from bitnexus.analytics.repository import Window
from bitnexus.core.days import DayRange
from bitnexus.core.errors import Forbidden


@dataclass(frozen=True)
class LinkDay:
    day: dt.date
    link_id: uuid.UUID
    link: str  # its alias, or its code
    clicks_raw: int
    clicks: int  # bots left out
    unique_clicks: int


@dataclass(frozen=True)
class LinkDayPage:
    items: list[LinkDay]
    next_cursor: str | None  # the next day of the range, ISO 8601


def _scope(user: User) -> dict[str, uuid.UUID]:
    """Whose clicks the caller sees, as on their dashboard."""
    match user.role:
        case Role.affiliate:
            return {"affiliate_id": user.id}
        case Role.vendor:
            return {"vendor_id": user.id}
        case Role.tenant_admin:
            return {}
    raise Forbidden("Only affiliates, vendors and admins have a clicks summary.")


async def page(
    session: AsyncSession, user: User, days: DayRange, cursor: str | None
) -> LinkDayPage:
    """One day of the range (`cursor`, else its first): clicks per link, by label."""
    scope = _scope(user)
    day = dt.date.fromisoformat(cursor) if cursor else days.first
    begin = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    await repository.prepare_for_ranges(session)
    counted = await repository.clicks(
        session, Window(begin, begin + dt.timedelta(days=1)), ["link"], **scope
    )
    links = counted["link"]
    labels = await repository.labels(session, "links", set(links))
    items = sorted(
        (
            LinkDay(day, link_id, labels.get(link_id, "—"), c.raw, c.clicks, c.unique)
            for link_id, c in links.items()
        ),
        key=lambda r: (r.link, r.link_id),
    )
    following = day + dt.timedelta(days=1)
    return LinkDayPage(items, following.isoformat() if following <= days.last else None)
