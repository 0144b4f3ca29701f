"""Search routes: hybrid product search, similar products, an affiliate's recommendations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from bitnexus.auth import ReadPrincipal, ReadSessionDep, VerifiedClaims
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.catalog.service import MarketFilter
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.search import service
from bitnexus.search.embedder import Embedder
from bitnexus.search.schemas import Recommendation, SearchResults
from bitnexus.search.service import Query as SearchQuery

router = APIRouter(prefix="/products", tags=["search"])
me_router = APIRouter(prefix="/me", tags=["search"])

Amount = Annotated[int | None, Query(ge=0, le=10**12)]
Limit = Annotated[int, Query(ge=1, le=50)]


async def get_embedder(request: Request) -> Embedder | None:
    embedder: Embedder | None = request.app.state.embedder
    return embedder


EmbedderDep = Annotated[Embedder | None, Depends(get_embedder)]


async def search_query(
    _caller: VerifiedClaims,
    embedder: EmbedderDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
) -> AsyncIterator[SearchQuery]:
    """The words searched for, their embedding under way as soon as the caller's token is
    verified: the model works while the caller is read and the keywords are ranked."""
    words = " ".join(q.split())
    if not words:
        raise InvalidInput("q", "Type something to search for.")
    if embedder is None:
        yield SearchQuery(words, None)
        return
    vector = asyncio.ensure_future(embedder.encode_one(words))
    try:
        yield SearchQuery(words, vector)
    finally:
        vector.cancel()  # unawaited when the request failed first


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
