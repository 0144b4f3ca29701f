"""The recurring rule: which renewal of a subscription earns, by months, by count, forever or
never, at the boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from bitnexus.commissions.models import Unattributed
from bitnexus.commissions.service.recurring import RecurringRule, add_months

START = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("rule", "renewal", "at", "why"),
    [
        pytest.param(RecurringRule("off"), 1, START, Unattributed.recurring_off, id="off"),
        pytest.param(RecurringRule("forever"), 1, START, None, id="forever-first"),
        pytest.param(
            RecurringRule("forever"), 500, START + dt.timedelta(days=9000), None, id="forever-late"
        ),
        pytest.param(RecurringRule("renewals", 3), 1, START, None, id="count-first"),
        pytest.param(RecurringRule("renewals", 3), 3, START, None, id="count-last"),
        pytest.param(
            RecurringRule("renewals", 3), 4, START, Unattributed.recurring_ended, id="count-past"
        ),
        pytest.param(
            RecurringRule("months", 1),
            1,
            dt.datetime(2026, 2, 28, 11, 59, 59, tzinfo=dt.UTC),
            None,
            id="months-just-inside",
        ),
        pytest.param(
            RecurringRule("months", 1),
            1,
            dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC),
            Unattributed.recurring_ended,
            id="months-at-the-end",
        ),
        pytest.param(
            RecurringRule("months", 12),
            40,
            dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            None,
            id="months-ignore-count",
        ),
        pytest.param(
            RecurringRule("months", 12),
            1,
            dt.datetime(2027, 1, 31, 12, 0, tzinfo=dt.UTC),
            Unattributed.recurring_ended,
            id="months-a-year-on",
        ),
    ],
)
def test_a_renewal_earns_while_the_rule_allows(
    rule: RecurringRule, renewal: int, at: dt.datetime, why: Unattributed | None
) -> None:
    assert rule.why_not(renewal, START, at) == why


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        pytest.param(1, dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC), id="clamped-to-february"),
        pytest.param(2, dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), id="march-has-31"),
        pytest.param(11, dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC), id="december"),
        pytest.param(13, dt.datetime(2027, 2, 28, 12, tzinfo=dt.UTC), id="next-year"),
        pytest.param(25, dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC), id="leap-year"),
    ],
)
def test_months_are_calendar_months(months: int, expected: dt.datetime) -> None:
    assert add_months(START, months) == expected


@pytest.mark.parametrize(
    ("rule", "counted"),
    [
        pytest.param(RecurringRule("renewals", 12), 12, id="count"),
        pytest.param(RecurringRule("months", 12), None, id="months"),
        pytest.param(RecurringRule("forever"), None, id="forever"),
        pytest.param(RecurringRule("off"), None, id="off"),
    ],
)
def test_only_a_count_says_how_many_renewals_earn(rule: RecurringRule, counted: int | None) -> None:
    assert rule.renewals == counted
