"""Ranges of whole UTC days, as dashboards and reports ask for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bitnexus.core.db import utcnow
from bitnexus.core.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class DayRange:
    first: dt.date
    last: dt.date  # inclusive

    @property
    def begin(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=dt.UTC)

    @property
    def finish(self) -> dt.datetime:
        """The instant after the range (exclusive)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def day_range(start: dt.date | None, end: dt.date | None) -> DayRange:
    """The days asked for, `start` to `end` inclusive (default: the last 30, today included);
    at most a year's."""
    end = end or utcnow().date()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput("start", "The range starts after it ends.")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("start", f"A range covers at most {MAX_DAYS} days.")
    return DayRange(start, end)
