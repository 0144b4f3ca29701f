"""A failing provider through the API: a clear problem+json (never a 500), no credit charged,
no post kept, no link left behind; and a remote provider's reply still gets the link, the
disclosure and the limit."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from bitnexus.content.providers.openai_compatible import OpenAICompatibleProvider
from bitnexus.core.dburl import DatabaseUrls
from tests.content.fakes import Answer, FakeModelServer, chat_completion, error, fake_model_server
from tests.content.support import (
    approved_product,
    credits_of,
    generate,
    history_of,
    links_of,
)
from tests.factories import Program
from tests.superuser import superuser_value
from tests.waiting import INTERVAL_SECONDS, eventually


@pytest.fixture
async def model(app: FastAPI) -> AsyncIterator[FakeModelServer]:
    """The app writes through an OpenAI-compatible server that answers as each test says."""
    async with fake_model_server() as fake:
        before = getattr(app.state, "content_provider", None)
        app.state.content_provider = OpenAICompatibleProvider(
            base_url=f"{fake.url}/v1", model="fake", api_key="sk-never-shown", timeout=1.0
        )
        try:
            yield fake
        finally:
            app.state.content_provider = before


@pytest.mark.parametrize(
    ("answer", "status", "title"),
    [
        pytest.param(Answer(hang=True), 504, "Content provider timed out", id="timeout"),
        pytest.param(
            error(401, "Incorrect API key"), 502, "Content provider refused the key", id="bad-key"
        ),
        pytest.param(
            Answer(body=b"<html>oops</html>"),
            502,
            "Content provider sent a malformed reply",
            id="malformed",
        ),
        pytest.param(
            chat_completion(None), 502, "Content provider sent a malformed reply", id="empty"
        ),
        pytest.param(error(503, "overloaded"), 503, "Content provider unavailable", id="down"),
    ],
)
async def test_a_provider_failure_is_a_clear_problem_and_costs_nothing(
    program: Program,
    model: FakeModelServer,
    answer: Answer,
    status: int,
    title: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an affiliate with no link yet and a provider that fails
    product = await approved_product(program)
    model.answer(answer)

    # when they ask for a post
    r = await generate(program.affiliate, product["id"])

    # then the problem names the failure, and nothing was charged, kept or made
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == title
    assert "sk-never-shown" not in r.text
    assert "content.provider_failed" in caplog.text  # operators see the failure
    assert "sk-never-shown" not in caplog.text  # and never the key
    assert (await credits_of(program.affiliate))["used"] == 0
    assert await history_of(program.affiliate) == []
    assert await links_of(program.affiliate, product["id"]) == []


async def test_a_remote_reply_is_cut_to_the_limit_with_link_and_disclosure(
    program: Program, model: FakeModelServer
) -> None:
    # given a model that writes far too much and puts in a link of its own
    product = await approved_product(program)
    rambling = "Learn pandas today at https://elsewhere.example/buy " + "really " * 200
    model.answer(chat_completion(json.dumps({"body": rambling, "hashtags": ["python"]})))

    # when an X post is generated
    r = await generate(program.affiliate, product["id"])

    # then it fits 280 with the affiliate's link and #ad, and the model's link is gone
    assert r.status_code == 201, r.text
    post = r.json()
    assert post["provider"] == "openai"
    assert post["counted_length"] <= 280
    assert f"{post['short_url']} #ad" in post["text"]
    assert "elsewhere.example" not in post["text"]
    assert (await credits_of(program.affiliate))["used"] == 1
    # and the model was told the product's facts and the rule
    sent = json.dumps(model.seen[0].body)
    assert "Python for Data Science" in sent
    assert "never invent" in sent


async def test_no_transaction_is_held_while_the_provider_writes(
    program: Program, model: FakeModelServer, db_urls: DatabaseUrls
) -> None:
    # given a provider that takes its time (it never answers: the client gives up after 1 s)
    product = await approved_product(program)
    model.answer(Answer(hang=True))

    # when a post is being written
    asking = asyncio.create_task(generate(program.affiliate, product["id"]))
    await eventually(lambda: _asked(model), "the provider is asked")

    # then no transaction of the app stays open while the provider writes (a pool of them would
    # run dry under slow providers, and every other request with it); the app's own jobs may be
    # caught between two statements, but not in every look
    assert await _held_throughout(db_urls, seconds=0.5) == set()
    assert (await asking).status_code == 504


async def _asked(model: FakeModelServer) -> bool:
    return bool(model.seen)


async def _held_throughout(db_urls: DatabaseUrls, *, seconds: float) -> set[str]:
    """The app's transactions found idle in every look taken over `seconds`."""
    deadline = time.monotonic() + seconds
    held = await _idle_in_transaction(db_urls)
    while time.monotonic() < deadline and held:
        await asyncio.sleep(INTERVAL_SECONDS)
        held &= await _idle_in_transaction(db_urls)
    return held


async def _idle_in_transaction(db_urls: DatabaseUrls) -> set[str]:
    found: str = await superuser_value(
        db_urls,
        "SELECT coalesce(string_agg(pid || ' ' || xact_start, ','), '') FROM pg_stat_activity"
        " WHERE usename = 'bitnexus_app' AND state = 'idle in transaction'",
    )
    return set(filter(None, found.split(",")))
