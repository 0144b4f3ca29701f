"""SearchFirst: a search's words reach the model before the app routes its request, and
only a verified caller's, only for the search route. Here the layer has no database to answer
with, so every search goes on to the app behind it (the route), as one that fails before its
answer starts does, with the embedding under way (its answers: test_search_first.py)."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import MutableMapping
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from bitnexus.core.security import issue_access_token
from bitnexus.search.api import SearchFirst, Started
from bitnexus.search.embedder import Embedder, ModelUnavailable, Vectors
from tests.search.conftest import SpyEmbedder
from tests.waiting import eventually

SECRET = "s" * 48
PATH = "/api/v1/products/search"


def _token(secret: str = SECRET, ttl: int = 60) -> str:
    token, _ = issue_access_token(
        secret,
        user_id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        role="affiliate",
        ttl_seconds=ttl,
        credential_version=0,
    )
    return token


class Inner:
    """The app behind the layer: keeps what each request brought with it, and then takes the
    embedding (awaits it, as the search route does), ends at once (a 422, say) or waits for
    the model without looking at its answer (a request that failed meanwhile)."""

    def __init__(self, then: Literal["takes", "ends", "waits"]) -> None:
        self.then = then
        self.started: list[Started | None] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started: Started | None = scope.get("state", {}).get("bitnexus.search.started")
        self.started.append(started)
        if started is not None and self.then == "takes":
            await started.vector
        elif started is not None and self.then == "waits":
            await asyncio.wait({started.vector})


class FailingModel(Embedder):
    """A model whose process is lost under every call."""

    async def call(self, texts: list[str]) -> Vectors:
        raise ModelUnavailable("the embedding model's process ended")


class SlowModel(SpyEmbedder):
    """The session's model, answering each call a second late: a request the app ends at once
    ends with the embedding still under way, however fast the model is."""

    async def call(self, texts: list[str]) -> Vectors:
        await asyncio.sleep(1.0)
        return await super().call(texts)


async def _request(
    embedder: Embedder,
    *,
    method: str = "GET",
    path: str = PATH,
    query: list[tuple[str, str]] | None = None,
    authorization: str | None = None,
    then: Literal["takes", "ends", "waits"] = "takes",
) -> Started | None:
    inner = Inner(then)
    state = State({"settings": SimpleNamespace(secret=SECRET), "embedder": embedder})
    layer = SearchFirst(inner, state, "/api/v1")
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": urlencode(query or [("q", "crypto course")]).encode(),
        "headers": headers,
        "state": {},
    }
    await layer(scope, _no_body, _discard)
    return inner.started[0]


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: MutableMapping[str, Any]) -> None:
    pass


@pytest.mark.parametrize(
    ("query", "words"),
    [
        pytest.param([("q", "crypto course")], "crypto course", id="plain"),
        pytest.param([("q", "  crypto   course ")], "crypto course", id="spaces-tidied"),
        pytest.param([("q", "first"), ("q", "last")], "last", id="repeated-the-last"),
        pytest.param([("q", "crème brûlée")], "crème brûlée", id="escaped-utf8"),
    ],
)
async def test_a_verified_search_reaches_the_model_before_the_app(
    embedder: Embedder, query: list[tuple[str, str]], words: str
) -> None:
    # given the session's model behind a spy
    spy = SpyEmbedder(embedder)

    # when a caller with a valid token searches
    started = await _request(spy, query=query, authorization=f"Bearer {_token()}")

    # then the app received the request with the words' embedding under way
    assert started is not None
    assert started.words == words
    assert spy.calls == [[words]]
    assert len(started.vector.result()) == 384


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param({"authorization": None}, id="no-token"),
        pytest.param({"authorization": "Bearer not.a.token"}, id="forged-token"),
        pytest.param({"authorization": f"Bearer {_token('x' * 48)}"}, id="another-key"),
        pytest.param({"authorization": f"Bearer {_token(ttl=-1)}"}, id="expired"),
        pytest.param({"authorization": f"Basic {_token()}"}, id="not-bearer"),
        pytest.param({"method": "POST"}, id="post"),
        pytest.param({"path": "/api/v1/products"}, id="another-route"),
        pytest.param({"query": [("q", "   ")]}, id="blank-words"),
        pytest.param({"query": [("q", "x" * 201)]}, id="too-long"),
        pytest.param({"query": [("category", "Health")]}, id="no-words"),
    ],
)
async def test_anything_else_passes_through_untouched(
    embedder: Embedder, request_: dict[str, Any]
) -> None:
    # given the session's model behind a spy
    spy = SpyEmbedder(embedder)

    # when a request the search route would refuse, or another route's, passes the layer
    started = await _request(spy, **{"authorization": f"Bearer {_token()}", **request_})

    # then the model is not asked: the route decides what to do
    assert started is None
    assert spy.calls == []


async def test_an_embedding_the_app_did_not_take_is_let_go(embedder: Embedder) -> None:
    # given a search whose request the app ends without taking the embedding (a 422, say),
    # before the model has answered
    started = await _request(SlowModel(embedder), authorization=f"Bearer {_token()}", then="ends")

    # then its embedding is called off, and no one is left waiting on it
    assert started is not None
    vector = started.vector

    async def ended() -> bool:
        return vector.done()

    await eventually(ended, "the embedding ended")
    assert vector.cancelled()


async def test_a_failure_no_one_awaited_is_not_reported_as_lost() -> None:
    # given a model that fails, and the loop's reports of errors no one looked at
    reports: list[str] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(context["message"]))
    try:
        # when a search's request ends without taking the embedding, which failed meanwhile
        started = await _request(FailingModel(1), authorization=f"Bearer {_token()}", then="waits")
        assert started is not None
        assert started.vector.done()
        assert not started.vector.cancelled()
        del started
        gc.collect()
    finally:
        loop.set_exception_handler(previous)

    # then the loop reports no exception as never retrieved: the failure was seen and let go
    assert not [r for r in reports if "never retrieved" in r]
