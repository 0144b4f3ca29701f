"""SearchFirst answers a search as the route does, without the framework's layers: the same
answer and headers; what it does not answer, the route does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asyncpg.connection import LoggedQuery
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus.core.lastknown import LastKnown
from bitnexus.search import service
from bitnexus.search.api import SearchFirst
from bitnexus.search.repository import IndexShare
from tests.factories import Account, signup_affiliate
from tests.querylog import logged_through
from tests.search.conftest import Shop, own_client

SEARCH = "/api/v1/products/search"


class Behind:
    """The app behind the layer, counting the searches that reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.searches = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.searches += scope.get("path") == SEARCH
        await self.app(scope, receive, send)


def _layer(app: FastAPI) -> SearchFirst:
    layer: Any = app.middleware_stack
    while not isinstance(layer, SearchFirst):
        layer = layer.app
    return layer


@pytest.fixture
def behind(app: FastAPI) -> Iterator[Behind]:
    layer = _layer(app)
    spy = Behind(layer.app)
    layer.app = spy
    try:
        yield spy
    finally:
        layer.app = spy.app


async def _get(who: Account, params: dict[str, Any]) -> httpx.Response:
    return await who.client.get(SEARCH, params=params, headers=who.headers)


def _headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k != "x-request-id"}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"q": "sourdough bread"}, id="words"),
        pytest.param({"q": "  improve   my skills "}, id="spaces"),
        pytest.param({"q": "improve my skills", "category": "Health", "limit": 5}, id="category"),
        pytest.param(
            {"q": "step by step", "min_price": 9_000, "max_price": 18_000}, id="price-range"
        ),
        pytest.param({"q": "masterclass", "min_commission": 1_000, "category": ""}, id="blank"),
    ],
)
async def test_the_layer_answers_as_the_route_does(
    shop: Shop, behind: Behind, params: dict[str, Any]
) -> None:
    # when the same search is sent as is, and with a parameter the route ignores, which the
    # layer leaves to the route
    first = await _get(shop.affiliate, params)
    routed = await _get(shop.affiliate, {**params, "utm_source": "newsletter"})

    # then the layer answered the first and the route the second, with the same answer
    assert behind.searches == 1
    assert first.status_code == routed.status_code == 200
    assert first.content == routed.content
    assert _headers(first) == _headers(routed)
    assert first.headers["x-request-id"] != routed.headers["x-request-id"]
    assert first.json()["items"]


@pytest.fixture
def sent(app: FastAPI) -> Iterator[list[LoggedQuery]]:
    """The statements the app's connections send (asyncpg's query log), from now on."""
    found: list[LoggedQuery] = []
    with logged_through(app.state.db.engine.sync_engine, found.append):
        yield found


WHOLE, SMALL = IndexShare(own=300, index=300), IndexShare(own=300, index=100_000)
GENERIC, CUSTOM = "force_generic_plan", "force_custom_plan"


@pytest.mark.parametrize(
    ("params", "share", "plan", "page_plan"),
    [
        pytest.param({"q": "sourdough bread"}, WHOLE, GENERIC, GENERIC, id="unfiltered"),
        pytest.param({"q": "bread", "category": "Food"}, WHOLE, CUSTOM, CUSTOM, id="filtered"),
        pytest.param({"q": "sourdough bread"}, SMALL, GENERIC, CUSTOM, id="small-share"),
    ],
)
async def test_the_layer_begins_a_search_with_its_settings(
    shop: Shop,
    sent: list[LoggedQuery],
    params: dict[str, Any],
    share: IndexShare,
    plan: str,
    page_plan: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the organisation's share of the index as last counted (the test database holds
    # every test's organisations: its share there depends on which tests ran before)
    counted: LastKnown[uuid.UUID, IndexShare] = LastKnown(max_entries=1, max_age=60.0)
    counted.keep(shop.tenant_id, share)
    monkeypatch.setattr(service, "_shares", counted)

    # when the layer answers a search
    r = await _get(shop.affiliate, params)
    await asyncio.sleep(0)  # asyncpg calls its query loggers on the loop's next turn

    # then its transaction began with the search's settings
    assert r.status_code == 200, r.text
    queries = [q.query for q in sent]
    [begin] = [q for q in queries if q.startswith("BEGIN")]
    assert f"set_config('plan_cache_mode', '{plan}', true)" in begin
    assert "set_config('hnsw.ef_search'" in begin
    # and the keyword ranking ran so; the page statement too, or planned for its own values
    # when it computes the nearest of a small share one product at a time, set just before it
    [words] = [n for n, q in enumerate(queries) if "plainto_tsquery" in q]
    [page] = [n for n, q in enumerate(queries) if "unnest" in q and "<=>" in q]
    later = [
        (n, q.args)
        for n, q in enumerate(sent)
        if "set_config" in q.query and n != queries.index(begin)
    ]
    if page_plan == plan:
        assert later == []
    else:
        [(n, args)] = later
        assert words < n < page
        assert args == ("plan_cache_mode", page_plan)


@pytest.mark.parametrize(
    ("params", "authorization", "status", "field"),
    [
        pytest.param({"q": "bread", "limit": 0}, "token", 422, "limit", id="limit-too-small"),
        pytest.param({"q": "bread", "min_price": -1}, "token", 422, "min_price", id="negative"),
        pytest.param({"q": "bread", "max_price": "ten"}, "token", 422, "max_price", id="not-int"),
        pytest.param({"q": "   "}, "token", 422, "q", id="blank-words"),
        pytest.param({"q": "bread"}, None, 401, None, id="no-token"),
        pytest.param({"q": "bread"}, "Bearer forged.token.value", 401, None, id="forged"),
    ],
)
async def test_what_the_route_refuses_reaches_the_route(
    shop: Shop,
    behind: Behind,
    params: dict[str, Any],
    authorization: str | None,
    status: int,
    field: str | None,
) -> None:
    # when a search the route refuses is sent
    headers = {} if authorization is None else {"Authorization": authorization}
    if authorization == "token":
        headers = shop.affiliate.headers
    r = await shop.affiliate.client.get(SEARCH, params=params, headers=headers)

    # then the route answered it, as a problem naming the field at fault
    assert behind.searches == 1
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in r.text


async def test_a_caller_suspended_since_their_token_was_issued_is_refused_by_the_route(
    app: FastAPI, shop: Shop, behind: Behind
) -> None:
    # given an affiliate suspended after logging in (their token still verifies)
    gone = await signup_affiliate(own_client(app), shop.admin.slug)
    url = f"/api/v1/users/{gone.id}"
    r = await shop.admin.client.patch(url, headers=shop.admin.headers, json={"status": "suspended"})
    assert r.status_code == 200, r.text

    # when they search
    r = await _get(gone, {"q": "bread"})

    # then the layer found them refused and left the answer to the route, which refuses them
    # as every route does
    me = await gone.client.get("/api/v1/me", headers=gone.headers)
    assert behind.searches == 1
    assert r.status_code == me.status_code == 403, r.text
    assert r.json()["title"] == me.json()["title"]
