"""Search routes: hybrid product search, similar products, an affiliate's recommendations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus.auth import ReadPrincipal, ReadSessionDep, VerifiedClaims
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.core.http import header
from bitnexus.core.security import bearer_token, decode_access_token
from bitnexus.search import service
from bitnexus.search.embedder import Embedder
from bitnexus.search.schemas import Recommendation, SearchResults
from bitnexus.search.service import Query as SearchQuery

router = APIRouter(prefix="/products", tags=["search"])
me_router = APIRouter(prefix="/me", tags=["search"])

Amount = Annotated[int | None, Query(ge=0, le=10**12)]
Limit = Annotated[int, Query(ge=1, le=50)]
MAX_QUERY = 200
_STARTED = "bitnexus.search.started"  # the request state's key for the embedding under way


@dataclass(frozen=True)
class Started:
    """A query's embedding, started before the app routed its request."""

    words: str
    vector: asyncio.Future[list[float]]


def words_of(q: str) -> str:
    """The words searched for: runs of spaces made one, none at either end."""
    return " ".join(q.split())


class EmbeddingFirst:
    """An ASGI layer in front of the app's: a search's words go to the model as soon as the
    request arrives, its token verified, before the framework's layers, routing and
    dependencies (about 1.3 ms of a search) run; the route takes the embedding under way
    (`search_query`). Anything else, a search without a valid token or a query the route will
    refuse, passes through untouched, and the route does what it always does."""

    def __init__(self, app: ASGIApp, state: State, prefix: str) -> None:
        self.app = app
        self.state = state
        self.path = f"{prefix}{router.prefix}/search"  # `search_products`'s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = (
            await self._start(scope)
            if scope["type"] == "http" and scope["path"] == self.path
            else None
        )
        if started is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[_STARTED] = started
        try:
            await self.app(scope, receive, send)
        finally:
            let_go(started.vector)  # not taken, or the request failed first

    async def _start(self, scope: Scope) -> Started | None:
        embedder: Embedder | None = getattr(self.state, "embedder", None)
        if scope["method"] != "GET" or embedder is None:
            return None
        # the value the route reads: the last `q`, decoded as Starlette decodes it
        qs = parse_qs(scope["query_string"].decode("latin-1")).get("q")
        words = words_of(qs[-1]) if qs and len(qs[-1]) <= MAX_QUERY else ""
        authorization = header(scope["headers"], b"authorization")
        token = bearer_token(authorization.decode("latin-1") if authorization else None)
        if not words or token is None:
            return None
        if decode_access_token(self.state.settings.secret, token) is None:
            return None
        return Started(words, await embedder.start(words))


def let_go(vector: asyncio.Future[list[float]]) -> None:
    """Done with an embedding, awaited or not: called off if still under way, its failure
    (the model's process lost, say) taken as seen rather than logged as never retrieved."""
    if not vector.done():
        vector.cancel()
    elif not vector.cancelled():
        vector.exception()


async def search_query(
    request: Request,
    _caller: VerifiedClaims,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
) -> AsyncIterator[SearchQuery]:
    """The words searched for, their embedding under way since the request arrived
    (`EmbeddingFirst`) or, failing that, since the caller's token was verified: the model works
    while the caller is read and the keywords are ranked."""
    words = words_of(q)
    if not words:
        raise InvalidInput("q", "Type something to search for.")
    embedder: Embedder | None = request.app.state.embedder  # (not a dependency: each costs)
    if embedder is None:
        yield SearchQuery(words, None)
        return
    started: Started | None = request.scope.get("state", {}).get(_STARTED)
    vector = (
        started.vector if started is not None and started.words == words else embedder.submit(words)
    )
    try:
        yield SearchQuery(words, vector)
    finally:
        let_go(vector)  # unawaited when the request failed first


@router.get("/search", responses=errors_for(InvalidInput))
async def search_products(
    # first: the embedding starts before the other dependencies read the database
    query: Annotated[SearchQuery, Depends(search_query, scope="function")],
    principal: ReadPrincipal,
    session: ReadSessionDep,
    category: Annotated[str | None, Query(max_length=60)] = None,
    min_price: Amount = None,
    max_price: Amount = None,
    min_commission: Amount = None,
    limit: Limit = 20,
) -> SearchResults:
    """Search the marketplace by words and meaning (prices and per-sale commission in minor
    units); each result says whether it matched by keyword, meaning or both."""
    filters = MarketFilter(
        category=category or None,
        min_price=min_price,
        max_price=max_price,
        min_commission=min_commission,
    )
    return await service.search(session, principal, query, filters, limit)


@router.get("/{product_id}/similar", responses=errors_for(ProductNotFound))
async def similar_products(
    product_id: uuid.UUID, principal: ReadPrincipal, session: ReadSessionDep, limit: Limit = 6
) -> list[Recommendation]:
    """Marketplace products closest in meaning to this one (none before it is indexed)."""
    return await service.similar(session, principal, product_id, limit)


@me_router.get("/recommendations", responses=errors_for(Forbidden))
async def my_recommendations(
    principal: ReadPrincipal, session: ReadSessionDep, limit: Limit = 6
) -> list[Recommendation]:
    """Products to promote next (affiliates): like those you promote and sell, then the
    organisation's best earners per click; never one you already promote."""
    return await service.for_affiliate(session, principal, limit)
