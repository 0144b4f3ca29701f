"""Hybrid product search and recommendations.

Search runs two retrievers over the marketplace (approved products of the caller's tenant,
through the marketplace filters): PostgreSQL full-text search (any of the query's stemmed
words; ts_rank) and nearest neighbours of the query's embedding (pgvector HNSW, cosine).
Their rankings are fused by reciprocal rank fusion — score = Σ 1 / (RRF_K + rank) — which
needs no calibration between a text rank and a distance (`repository.page`, in the statement
that reads the page). A product found by only one says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.analytics import service as analytics
from bitnexus.catalog import service as catalog
from bitnexus.catalog.service import KeywordScore, Market, MarketFilter
from bitnexus.commissions.service import conversions
from bitnexus.core.db import Setting, configure
from bitnexus.core.errors import Forbidden
from bitnexus.core.lastknown import LastKnown
from bitnexus.groups import service as groups
from bitnexus.search import repository
from bitnexus.search.embedder import ModelUnavailable
from bitnexus.search.schemas import Match, Reason, Recommendation, SearchHit, SearchResults
from bitnexus.tracking.service import links

log = structlog.get_logger(__name__)

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very first ranks
CANDIDATES = 50  # each retriever's depth: fusion reorders within these
# cosine distance beyond which a product is not "about" the query (similarity below 0.2:
# all-MiniLM-L6-v2 puts unrelated sentences at 0.0–0.15)
MAX_DISTANCE = 0.8
SHARE_SECONDS = 60.0  # how long a tenant's share of the index is taken as read
_shares: LastKnown[uuid.UUID, repository.IndexShare] = LastKnown(
    max_entries=10_000, max_age=SHARE_SECONDS
)


@dataclass(frozen=True)
class Query:
    """What a search looks for: its words, and their embedding (None: by words alone), which
    may still be under way."""

    words: str
    vector: Awaitable[list[float]] | None


Score = TypeVar("Score", float, KeywordScore)


def ranks(scored: Sequence[tuple[uuid.UUID, Score]]) -> dict[uuid.UUID, int]:
    """Competition ranks ("1224"), best score first: equal scores share a rank, so products
    the keywords cannot tell apart are ordered by the other retriever, not by their ids."""
    out: dict[uuid.UUID, int] = {}
    previous: Score | None = None
    rank = 0
    by_score = sorted(scored, key=lambda kv: kv[1], reverse=True)
    for n, (pid, score) in enumerate(by_score, start=1):
        if score != previous:
            rank, previous = n, score
        out[pid] = rank
    return out


async def keyword_ranks(
    session: AsyncSession, among: Market, query: str, limit: int
) -> dict[uuid.UUID, int]:
    return ranks(await catalog.keyword_ranked(session, among, query, limit))


async def exact_for(
    session: AsyncSession, tenant_id: uuid.UUID, depth: int
) -> repository.Exact | None:
    """How the tenant's `depth` nearest are read: computed one product at a time when its share
    of the HNSW index is too small to pick them out of the graph fast (`repository.exactly`),
    else (None) through the index. The share is counted once a minute per process."""
    share = _shares.get(tenant_id)
    if share is None:
        share = await repository.index_share(session)
        _shares.keep(tenant_id, share)
    return repository.Exact(tenant_id) if repository.exactly(share, depth) else None


async def semantic_ids(
    session: AsyncSession,
    principal: Principal,
    vector: Sequence[float] | Awaitable[Sequence[float]],
    filters: MarketFilter,
    limit: int,
    exclude: Sequence[uuid.UUID] = (),
) -> list[uuid.UUID]:
    """Marketplace products nearest in meaning to `vector` (which may still be being
    computed: the statement is built meanwhile)."""
    among = catalog.market(filters, principal.tenant)
    exact = await exact_for(session, principal.tenant.id, limit)
    found = await repository.nearest(
        session,
        vector,
        among,
        limit=limit,
        max_distance=MAX_DISTANCE,
        exclude=exclude,
        exact=exact,
    )
    return [pid for pid, _ in found]


def _depth(limit: int) -> int:
    return max(CANDIDATES, limit)


def settings_for(filters: MarketFilter, limit: int) -> list[Setting]:
    """The settings a search's transaction runs with (`repository.plan`): a caller that begins
    it gives them to its BEGIN (`api.SearchFirst`), else `search` sets them."""
    return repository.plan(filters, _depth(limit))


async def search(
    session: AsyncSession,
    principal: Principal,
    query: Query,
    filters: MarketFilter,
    limit: int,
) -> SearchResults:
    """Marketplace products matching `query` by words or meaning. The database ranks by
    keywords while the model embeds the words; then one statement finds the nearest
    neighbours, fuses both rankings and reads the page. Should the model fail, the words alone
    rank the results (`semantic` false)."""
    depth = _depth(limit)
    exact = await exact_for(session, principal.tenant.id, depth)
    await configure(session, repository.plan(filters, depth))  # for the keyword ranking and page
    own = await groups.own_terms(session, principal)
    filters = replace(filters, own=own)  # a group member's own rate filters and is shown
    among, rows = catalog.market(filters, principal.tenant), catalog.shown_rows()
    keyword = await keyword_ranks(session, among, query.words, depth)

    async def page(vector: Awaitable[list[float]] | None) -> list[repository.Hit]:
        return await repository.page(
            session,
            among,
            rows,
            keyword,
            vector,
            rrf_k=RRF_K,
            depth=depth,
            limit=limit,
            max_distance=MAX_DISTANCE,
            exact=exact,
        )

    semantic = query.vector is not None
    try:
        hits = await page(query.vector)
    except ModelUnavailable as failed:  # words alone, said so, rather than no answer
        log.warning("search.model_unavailable", error=str(failed))
        hits, semantic = await page(None), False
    return SearchResults(
        items=[
            SearchHit(
                product=catalog.read_of(principal, hit.shown, own),
                match=_MATCH[hit.by_words, hit.by_meaning],
                score=round(hit.score, 6),
            )
            for hit in hits
        ],
        semantic=semantic,
    )


_MATCH = {(True, True): Match.both, (True, False): Match.keyword, (False, True): Match.semantic}


async def similar(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, limit: int
) -> list[Recommendation]:
    """Marketplace products closest in meaning to one the caller may see (404 otherwise);
    none until the indexer has embedded it (stored vectors only: no model in the request)."""
    await catalog.get(session, principal, product_id)
    vector = (await repository.vectors_of(session, [product_id])).get(product_id)
    if vector is None:
        return []
    ids = await semantic_ids(session, principal, vector, MarketFilter(), limit, [product_id])
    own = await groups.own_terms(session, principal)
    return [
        Recommendation(product=p, reason=Reason.similar)
        for p in await catalog.reads(session, principal, ids, own)
    ]


def interest(
    vectors: dict[uuid.UUID, list[float]], sales: dict[uuid.UUID, int]
) -> list[float] | None:
    """What an affiliate is about: the mean of their products' embeddings, each product
    weighing 1 + the sales it brought them (unit length again; None without products)."""
    if not vectors:
        return None
    total = [0.0] * len(next(iter(vectors.values())))
    for pid, vector in vectors.items():
        weight = 1 + sales.get(pid, 0)
        total = [t + weight * v for t, v in zip(total, vector, strict=True)]
    norm = sum(t * t for t in total) ** 0.5
    return [t / norm for t in total] if norm else None


async def for_affiliate(
    session: AsyncSession, principal: Principal, limit: int
) -> list[Recommendation]:
    """Products for an affiliate to promote next, none they already promote: the closest to
    what they promote and sell, then the tenant's best earners per click."""
    if principal.role is not Role.affiliate:
        raise Forbidden("Recommendations are for affiliates.")
    promoted = await links.promoted_products(session, principal.user.id)
    sales = await conversions.converted_products(session, principal.user.id)
    taste = interest(await repository.vectors_of(session, promoted), sales)
    picked: list[tuple[uuid.UUID, Reason]] = []
    if taste is not None:
        ids = await semantic_ids(session, principal, taste, MarketFilter(), limit, promoted)
        picked = [(pid, Reason.similar) for pid in ids]
    if len(picked) < limit:
        skip = {*promoted, *(pid for pid, _ in picked)}
        page = await catalog.marketplace(
            session,
            principal,
            filters=MarketFilter(),
            sort="epc",
            epc_of=analytics.product_epc,
            cursor=None,
            limit=min(100, limit + len(skip)),
        )
        earners = [p.id for p in page.items if p.id not in skip]
        picked += [(pid, Reason.top_earner) for pid in earners[: limit - len(picked)]]
    reasons = dict(picked)
    own = await groups.own_terms(session, principal)
    return [
        Recommendation(product=p, reason=reasons[p.id])
        for p in await catalog.reads(session, principal, [pid for pid, _ in picked], own)
    ]
