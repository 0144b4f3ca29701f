"""Credits: one per generation from the organisation's monthly quota, counted exactly under
concurrent requests, never charged for a failed generation."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest

from bitnexus.content.service import month_of
from tests.content.support import (
    approved_product,
    credits_of,
    generate,
    history_of,
    set_content_settings,
)
from tests.factories import Program


async def test_each_generation_spends_one_credit(program: Program) -> None:
    product = await approved_product(program)
    await set_content_settings(program.admin, content_credits_monthly=5)

    await generate(program.affiliate, product["id"])
    await generate(program.affiliate, product["id"], platform="email")

    credits = await credits_of(program.affiliate)
    assert (credits["monthly"], credits["used"], credits["remaining"]) == (5, 2, 3)
    assert credits["cost_per_generation"] == 1


async def test_when_credits_run_out_the_answer_is_402_and_nothing_is_written(
    program: Program,
) -> None:
    # given an organisation with one credit a month, spent
    product = await approved_product(program)
    await set_content_settings(program.admin, content_credits_monthly=1)
    assert (await generate(program.affiliate, product["id"])).status_code == 201

    # when the affiliate asks for another post
    r = await generate(program.affiliate, product["id"], platform="linkedin")

    # then a clear problem says so, and no post was kept
    assert r.status_code == 402, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["title"] == "Content credits used up"
    assert problem["credits_monthly"] == 1
    assert "renew" in problem["detail"]
    assert len(await history_of(program.affiliate)) == 1


async def test_raising_the_quota_lets_generation_go_on(program: Program) -> None:
    product = await approved_product(program)
    await set_content_settings(program.admin, content_credits_monthly=0)
    assert (await generate(program.affiliate, product["id"])).status_code == 402

    await set_content_settings(program.admin, content_credits_monthly=1)

    assert (await generate(program.affiliate, product["id"])).status_code == 201


@pytest.mark.parametrize(("quota", "requests"), [(3, 8), (1, 4)])
async def test_concurrent_generations_stop_at_exactly_the_quota(
    program: Program, quota: int, requests: int
) -> None:
    # given a quota smaller than the number of requests sent at once
    product = await approved_product(program)
    await set_content_settings(program.admin, content_credits_monthly=quota)

    # when they all arrive together
    answers = await asyncio.gather(
        *(generate(program.affiliate, product["id"]) for _ in range(requests))
    )

    # then exactly the quota succeeds and the rest are told the credits ran out
    assert Counter(r.status_code for r in answers) == {201: quota, 402: requests - quota}
    assert (await credits_of(program.affiliate))["used"] == quota
    assert len(await history_of(program.affiliate)) == quota


@pytest.mark.parametrize(
    ("now", "start", "resets"),
    [
        (dt.datetime(2026, 12, 3, 19, tzinfo=dt.UTC), dt.date(2026, 12, 1), "2027-01-01"),
        (dt.datetime(2027, 2, 28, 23, 59, tzinfo=dt.UTC), dt.date(2027, 2, 1), "2027-03-01"),
        (
            dt.datetime(2027, 3, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.date(2027, 2, 1),  # still February in UTC
            "2027-03-01",
        ),
    ],
)
def test_credits_renew_each_calendar_month_in_utc(
    now: dt.datetime, start: dt.date, resets: str
) -> None:
    first, following = month_of(now)

    assert first == start
    assert following.date().isoformat() == resets
    assert following.tzinfo is not None
