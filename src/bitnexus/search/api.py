"""Search routes: hybrid product search, similar products, an affiliate's recommendations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import ConfigDict, ValidationError
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus.auth import ReadPrincipal, ReadSessionDep, VerifiedClaims, caller_reads, reader
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.catalog.params import MarketQuery
from bitnexus.core.deps import reads_of
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.core.http import header, log_request, request_started, with_context
from bitnexus.core.security import AccessClaims, bearer_token, decode_access_token
from bitnexus.search import service
from bitnexus.search.embedder import Embedder
from bitnexus.search.schemas import Recommendation, SearchResults
from bitnexus.search.service import Query as SearchQuery

router = APIRouter(prefix="/products", tags=["search"])
me_router = APIRouter(prefix="/me", tags=["search"])

MAX_QUERY = 200
Words = Annotated[str, Query(min_length=1, max_length=MAX_QUERY)]
Limit = Annotated[int, Query(ge=1, le=50)]
_STARTED = "bitnexus.search.started"  # the request state's key for the embedding under way

log = structlog.get_logger(__name__)


class SearchParams(MarketQuery):
    """A search's query parameters, checked as `search_products` checks them (the same
    annotations), for `SearchFirst`: what these refuse, or a parameter the route does not
    take, the route answers."""

    model_config = ConfigDict(extra="forbid")

    q: Words
    limit: Limit = 20


@dataclass(frozen=True)
class Started:
    """A query's embedding, started before the app routed its request."""

    words: str
    vector: asyncio.Future[list[float]]


def words_of(q: str) -> str:
    """The words searched for: runs of spaces made one, none at either end."""
    return " ".join(q.split())


@dataclass(frozen=True)
class Asked:
    """A search `SearchFirst` answers: its caller's verified token and its parameters."""

    claims: AccessClaims
    params: SearchParams

    @property
    def words(self) -> str:
        return words_of(self.params.q)


class SearchFirst:
    """An ASGI layer in front of the framework's that answers searches itself. A search's
    words go to the model as soon as the request arrives, its token verified, and the answer is
    made by the route's own parts: the parameters checked by the route's annotations
    (`SearchParams`), the caller's read-only unit of work (`auth.caller_reads`), the service,
    the response model, and the context headers, access log line and metrics of every answer
    (`core.http`). The framework's layers, routing, dependency resolution and response
    validation (a sixth of a search's CPU in the server) are skipped.

    Anything else goes on to the route, which answers as it always does: a request without a
    valid token (401), with parameters the route refuses (422) or does not take, and one that
    fails before its answer starts (an unknown or suspended caller, a lost database), the
    route then taking the embedding under way (`search_query`)."""

    def __init__(self, app: ASGIApp, state: State, prefix: str) -> None:
        self.app = app
        self.state = state
        # `search_products`'s route, as routing names it for the access log and metrics
        self.route = next(
            r for r in router.routes if getattr(r, "endpoint", None) is search_products
        )
        self.path = f"{prefix}{router.prefix}/search"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = (
            self._asked(scope)
            if scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "GET"
            else None
        )
        if asked is None:
            await self.app(scope, receive, send)
            return
        embedder: Embedder | None = getattr(self.state, "embedder", None)
        vector = None if embedder is None else await embedder.start(asked.words)
        if vector is not None:
            scope.setdefault("state", {})[_STARTED] = Started(asked.words, vector)
        try:
            if not await self._answer(scope, send, asked, vector):
                await self.app(scope, receive, send)
        finally:
            if vector is not None:
                let_go(vector)  # not taken, or the request failed first

    def _asked(self, scope: Scope) -> Asked | None:
        # the values the route reads: the last of each name (every grade), decoded as Starlette
        # decodes them
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        values: dict[str, str | list[str]] = dict(pairs)
        if "grade" in values:
            values["grade"] = [value for name, value in pairs if name == "grade"]
        try:
            params = SearchParams.model_validate(values)
        except ValidationError:
            return None
        authorization = header(scope["headers"], b"authorization")
        token = bearer_token(authorization.decode("latin-1") if authorization else None)
        claims = None if token is None else decode_access_token(self.state.settings.secret, token)
        asked = None if claims is None else Asked(claims, params)
        return asked if asked is not None and asked.words else None

    async def _answer(
        self, scope: Scope, send: Send, asked: Asked, vector: asyncio.Future[list[float]] | None
    ) -> bool:
        """Answer the search (True), or nothing sent, leave it to the route (False)."""
        started, request_id = request_started(scope)
        query = SearchQuery(asked.words, vector)
        answered = False
        try:
            filters, limit = asked.params.filter(), asked.params.limit
            settings = service.settings_for(filters, limit)  # carried by the BEGIN
            reads = reads_of(self.state)
            async with caller_reads(reads, self.state.db, asked.claims, settings) as session:
                results = await service.search(session, reader(session), query, filters, limit)
                body = results.model_dump_json(by_alias=True).encode()
                headers = [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ]
                own = with_context(headers, scope["path"], request_id, 200)
                await send({"type": "http.response.start", "status": 200, "headers": own})
                answered = True
                await send({"type": "http.response.body", "body": body})
        except Exception:
            if not answered:
                return False  # the route answers it, and reports what failed
            # after the answer began (the client gone, the read-only transaction's end): there
            # is nothing to undo, and nothing else to send
            log.exception("search.after_answer")
        scope["route"] = self.route
        log_request(scope, 200, started)
        return True


def let_go(vector: asyncio.Future[list[float]]) -> None:
    """Done with an embedding, awaited or not: called off if still under way, its failure
    (the model's process lost, say) taken as seen rather than logged as never retrieved."""
    if not vector.done():
        vector.cancel()
    elif not vector.cancelled():
        vector.exception()


async def search_query(
    request: Request, _caller: VerifiedClaims, q: Words
) -> AsyncIterator[SearchQuery]:
    """The words searched for, their embedding under way since the request arrived
    (`SearchFirst`) or, failing that, since the caller's token was verified: the model works
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
    market: Annotated[MarketQuery, Query()],
    limit: Limit = 20,
) -> SearchResults:
    """Search the marketplace by words and meaning (products in `currency` when given, prices
    and per-sale commission in its minor units; of the `grade`s given); each result says
    whether it matched by keyword, meaning or both."""
    # (`SearchFirst` answers a search in front of the framework whenever it can: this is what
    # answers the rest)
    return await service.search(session, principal, query, market.filter(), limit)


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
