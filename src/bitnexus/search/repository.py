"""Every query on `product_embeddings` (RLS scopes them to the transaction's tenant).

Products themselves are the catalog's: they reach these queries as SQL the catalog service
hands over (`market_ids`, `search_texts`), never as its tables. Their approval is carried on
each embedding (migration 0050's triggers), so a scan of the whole marketplace reads none.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
    Uuid,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.service import Market, MarketFilter, Shown, ShownRows
from bitnexus.core.db import Setting, configure
from bitnexus.core.prepared import Prepared
from bitnexus.search.models import ProductEmbedding


@dataclass(frozen=True)
class Stale:
    product_id: uuid.UUID
    text: str
    text_hash: bytes


def _hash(column: ColumnElement[str]) -> ColumnElement[bytes]:
    return func.sha256(func.convert_to(column, literal("UTF8")))


async def tenants_due(session: AsyncSession) -> list[uuid.UUID]:
    """Tenants with a product whose text has no embedding yet (a platform function)."""
    return list((await session.execute(text("SELECT bitnexus_search_due()"))).scalars())


def _stale(texts: Select[uuid.UUID, str], force: bool) -> Select[uuid.UUID, str, bytes]:
    docs = texts.subquery()
    digest = _hash(docs.c.text)
    stmt = select(docs.c.id, docs.c.text, digest.label("digest")).outerjoin(
        ProductEmbedding, ProductEmbedding.product_id == docs.c.id
    )
    if not force:
        stmt = stmt.where(
            ProductEmbedding.product_id.is_(None) | (ProductEmbedding.text_hash != digest)
        )
    return stmt


async def stale(
    session: AsyncSession,
    texts: Select[uuid.UUID, str],
    *,
    limit: int,
    after: uuid.UUID | None = None,
    force: bool = False,
) -> list[Stale]:
    """Products (of `texts`) whose text changed since they were embedded, by id; `force`:
    every product."""
    stmt = _stale(texts, force)
    docs_id = stmt.selected_columns[0]
    if after is not None:
        stmt = stmt.where(docs_id > after)
    rows = await session.execute(stmt.order_by(docs_id).limit(limit))
    return [Stale(r[0], r[1], bytes(r[2])) for r in rows]


async def count_stale(
    session: AsyncSession, texts: Select[uuid.UUID, str], *, force: bool = False
) -> int:
    sub = _stale(texts, force).subquery()
    return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())


async def save(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    rows: Sequence[Stale],
    vectors: Sequence[Sequence[float]],
) -> None:
    """Store embeddings with the hash of the text each was computed from (a product edited
    meanwhile keeps a stale hash, so the next pass embeds it again)."""
    values = [
        {
            "tenant_id": tenant_id,
            "product_id": row.product_id,
            "embedding": vector,
            "text_hash": row.text_hash,
        }
        for row, vector in zip(rows, vectors, strict=True)
    ]
    stmt = insert(ProductEmbedding).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ProductEmbedding.tenant_id, ProductEmbedding.product_id],
        set_={
            "embedding": stmt.excluded.embedding,
            "text_hash": stmt.excluded.text_hash,
            "embedded_at": func.now(),
        },
    )
    await session.execute(stmt)


async def vectors_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[float]]:
    rows = await session.execute(
        select(ProductEmbedding.product_id, ProductEmbedding.embedding).where(
            ProductEmbedding.product_id.in_(ids)
        )
    )
    return {r[0]: r[1] for r in rows}


def _by_distance(
    among: Market, exact: bool
) -> tuple[Select[uuid.UUID, float], ColumnElement[float]]:
    """The embedded products of `among` with their cosine distance to the `query` parameter,
    and what to order them by: the distance, which the HNSW index reads in its order, or
    (`exact`) the distance computed for each of the `tenant` parameter's products, which no
    index reads (`exactly`)."""
    # a vector in pgvector's binary form (`core.vector`): nothing to format, parse or cast
    query = bindparam("query", type_=ProductEmbedding.embedding.type)
    distance = ProductEmbedding.embedding.op("<=>", return_type=Float)(query)
    # every approved product: the approval its embedding carries, no product read per
    # candidate; through filters: the products `among` passes
    kept = (
        ProductEmbedding.approved
        if among.unfiltered
        else ProductEmbedding.product_id.in_(among.ids())
    )
    stmt = select(ProductEmbedding.product_id.label("id"), distance.label("distance")).where(kept)
    if not exact:
        return stmt, distance
    # the tenant written into the statement (row security names it too, but out of the
    # planner's sight): planned for it, the tenant's rows are read by its key
    own = ProductEmbedding.tenant_id == bindparam("tenant", type_=Uuid)
    return stmt.where(own), distance + literal_column("0", Float)


@functools.lru_cache(maxsize=256)
def _nearest_statement(among: Market, excluding: bool, exact: bool) -> Prepared:
    stmt, order = _by_distance(among, exact)
    if excluding:
        stmt = stmt.where(ProductEmbedding.product_id != func.all(bindparam("exclude")))
    return Prepared(stmt.order_by(order).limit(bindparam("limit")))


async def nearest(
    session: AsyncSession,
    vector: Sequence[float] | Awaitable[Sequence[float]],
    among: Market,
    *,
    limit: int,
    max_distance: float,
    exclude: Sequence[uuid.UUID] = (),
    exact: Exact | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """The embedded products of `among` nearest to `vector` (cosine distance at most
    `max_distance`), nearest first, with their distance. `vector` may still be being computed
    (an awaitable). The HNSW scan goes on past the rows the filter drops, up to
    hnsw.max_scan_tuples (`core.db.CONNECTION_SETTINGS`), in relaxed order: sorted again
    here. `exact`: every distance computed instead (`exactly`), planned for the tenant."""
    statement, values = nearest_query(among, limit=limit, exclude=exclude, exact=exact)
    if exact is not None:
        await configure(session, PER_RUN)
    values["query"] = vector if isinstance(vector, Sequence) else await vector
    rows = await statement.fetch(session, values)
    found = [(r[0], float(r[1])) for r in rows if float(r[1]) <= max_distance]
    return sorted(found, key=lambda pair: pair[1])


def nearest_query(
    among: Market, *, limit: int, exclude: Sequence[uuid.UUID] = (), exact: Exact | None = None
) -> tuple[Prepared, dict[str, Any]]:
    """The statement `nearest` runs and its values, but the `query` vector's."""
    statement = _nearest_statement(among, bool(exclude), exact is not None)
    values = {**among.values, "limit": limit, "exclude": list(exclude)}
    if exact is not None:
        values["tenant"] = exact.tenant_id
    return statement, values


def plan(filters: MarketFilter, depth: int) -> list[Setting]:
    """How a search's statements over the marketplace through `filters` are planned and run:
    settings for its transaction (`core.db.configure`; given to its BEGIN, they cost no round
    trip).
    - Planned once per connection for any values when no filter varies (each search's words,
      vector and ranks would change no plan, and planning a search's statements took more than
      running some), for each search's values when one does (a rare category is better
      scanned exactly than through the HNSW index, a plan made once cannot see that).
    - The HNSW scan keeps as many candidates as the `depth` nearest it is to return
      (`hnsw.ef_search`, 40 by default): with fewer, it returns those and then searches the
      graph again for the rest (an iterative scan). The page statement took 3.9–4.2 ms
      against 2.4–2.8 ms at 100,000 products, depth 50."""
    mode = "force_custom_plan" if filters.varying else "force_generic_plan"
    return [("plan_cache_mode", mode), ("hnsw.ef_search", str(depth))]


PER_RUN: list[Setting] = [("plan_cache_mode", "force_custom_plan")]
"""The setting a statement that computes the nearest `exact`ly runs with, set just before it:
planned for each run's values, as a plan made once for any tenant would read every tenant's
rows. Only that statement: planned for each search, the keyword ranking took 1.1–1.5 ms
against 0.2–0.4 ms (100,000 products beside 300)."""


@dataclass(frozen=True)
class IndexShare:
    """The tenant's part of the HNSW index, which holds every tenant's embeddings in one
    graph."""

    own: int  # the tenant's approved embeddings
    index: int  # every tenant's embeddings (the table's statistics: an estimate)


_SHARE = text(
    "SELECT count(*) FILTER (WHERE approved),"
    " (SELECT reltuples::bigint FROM pg_class WHERE oid = 'product_embeddings'::regclass)"
    " FROM product_embeddings"
)  # row security: the transaction's tenant's; the table's statistics: every tenant's


async def index_share(session: AsyncSession) -> IndexShare:
    """The transaction's tenant's `IndexShare` (a count of its embeddings: not for every
    search)."""
    own, every = (await session.execute(_SHARE)).one()
    return IndexShare(own=int(own), index=max(int(own), int(every or 0)))


# pgvector's default hnsw.max_scan_tuples: an iterative scan stops after visiting this many
# index entries, however few rows passed its filters
MAX_SCAN_TUPLES = 20_000
# the cost of an index entry visited in a filtered scan, in distances computed over the
# tenant's own rows (100,000 products beside 300 of another tenant: 6.6 µs against 0.7 µs)
VISIT_COST = 10


@dataclass(frozen=True)
class Exact:
    """The nearest read by computing the distance of each of a tenant's embedded products,
    not through the HNSW index (`exactly`)."""

    tenant_id: uuid.UUID


def exactly(share: IndexShare, depth: int) -> bool:
    """Whether a tenant's `depth` nearest are better computed one product at a time than read
    through the HNSW index. The index picks the tenant's products out of every tenant's as it
    walks its graph: with a small share of it, it visits about depth / share entries before
    it has `depth` of them (or stops at MAX_SCAN_TUPLES, short of them). 300 products beside
    100,000 of another tenant took 138 ms through the index against 0.2 ms computed. A
    tenant who has most of the index reads it as designed."""
    if 2 * share.own >= share.index:
        return False
    visited = min(depth * share.index / max(1, share.own), MAX_SCAN_TUPLES)
    return share.own < VISIT_COST * visited


@dataclass(frozen=True)
class Hit:
    """A product of a search's page: what its read shows, whether the keywords and the
    nearest neighbours found it, and its fused score."""

    shown: Shown
    by_words: bool
    by_meaning: bool
    score: float


_FUSED = 3  # a page row's columns before the product's: by words, by meaning, score


def _count(n: int) -> ColumnElement[int]:
    """A row count written into the SQL: a plan made once (`plan`) knows it."""
    return literal_column(str(int(n)), Integer)


@functools.lru_cache(maxsize=256)
def _page_statement(
    among: Market,
    rows: ShownRows,
    rrf_k: int,
    semantic: bool,
    depth: int,
    limit: int,
    exact: bool,
) -> Prepared:
    ids = bindparam("keyword_ids", type_=ARRAY(Uuid))
    ranks = bindparam("keyword_ranks", type_=ARRAY(Integer))
    keyword = (
        func.unnest(ids, ranks)
        .table_valued(column("id", Uuid), column("rank", Integer))
        .render_derived(name="keyword")
    )
    ranked = select(
        keyword.c.id, keyword.c.rank.label("word_rank"), cast(null(), Integer).label("meaning_rank")
    )
    if semantic:
        meant = _meant(among, depth, exact)
        ranked = select(
            func.coalesce(keyword.c.id, meant.c.id).label("id"),
            keyword.c.rank.label("word_rank"),
            meant.c.rank.label("meaning_rank"),
        ).select_from(keyword.outerjoin(meant, keyword.c.id == meant.c.id, full=True))
    by = ranked.subquery("ranked")

    def share(rank: ColumnElement[int]) -> ColumnElement[float]:
        """A ranking's part of a product's score: 1 / (rrf_k + rank), none where unranked."""
        fraction = literal_column("1::float8", Float) / cast(rrf_k + rank, Float)
        return func.coalesce(fraction, literal_column("0::float8", Float))

    scored = select(
        by.c.id,
        by.c.word_rank,
        by.c.meaning_rank,
        (share(by.c.word_rank) + share(by.c.meaning_rank)).label("score"),
    ).subquery("scored")
    # best score first; ties: the better keyword rank, the better semantic rank, the id
    order = (
        scored.c.score.desc(),
        scored.c.word_rank.asc().nulls_last(),
        scored.c.meaning_rank.asc().nulls_last(),
        cast(scored.c.id, Text),
    )
    page = (
        select(
            scored.c.id,
            scored.c.word_rank.is_not(None).label("by_words"),
            scored.c.meaning_rank.is_not(None).label("by_meaning"),
            scored.c.score,
            func.row_number().over(order_by=order).label("position"),
        )
        .order_by(*order)
        .limit(_count(limit))
        .subquery("page")
    )
    shown = rows.statement.subquery("shown")
    return Prepared(
        select(page.c.by_words, page.c.by_meaning, page.c.score, *shown.c)  # `_FUSED` first
        .select_from(page)
        .join(shown, shown.c.id == page.c.id)
        .order_by(page.c.position)
    )


def _meant(among: Market, depth: int, exact: bool) -> Subquery:
    """The `depth` embedded products of `among` nearest to the `query` vector, within
    `max_distance`, with their rank (1: nearest)."""
    nearest, order = _by_distance(among, exact)
    near = nearest.order_by(order).limit(_count(depth)).subquery("near")
    # the index scan's order is relaxed (iterative scan): ranked again by distance
    rank = func.row_number().over(order_by=(near.c.distance, near.c.id))
    return (
        select(near.c.id, rank.label("rank"))
        .where(near.c.distance <= bindparam("max_distance"))
        .subquery("meant")
    )


async def page(
    session: AsyncSession,
    among: Market,
    rows: ShownRows,
    keyword: dict[uuid.UUID, int],
    vector: Awaitable[Sequence[float]] | None,
    *,
    rrf_k: int,
    depth: int,
    limit: int,
    max_distance: float,
    exact: Exact | None = None,
) -> list[Hit]:
    """A search's page, ranked and read in one statement: the products of `keyword` (their
    ranks by the words) and the `depth` embedded products of `among` nearest to `vector`
    (cosine distance at most `max_distance`; none without a vector), fused by reciprocal rank
    fusion — Σ 1 / (`rrf_k` + rank) — best first, as `rows` shows them. `vector` may still be
    being computed: it is awaited once the statement is at hand. `exact`: the nearest
    computed one product at a time (`exactly`), planned for the tenant (`PER_RUN`). Otherwise
    planned as `plan` set."""
    statement, values = page_query(
        among,
        rows,
        keyword,
        semantic=vector is not None,
        rrf_k=rrf_k,
        depth=depth,
        limit=limit,
        max_distance=max_distance,
        exact=exact,
    )
    if exact is not None:
        await configure(session, PER_RUN)
    if vector is not None:
        values["query"] = await vector
    found = await statement.fetch(session, values)
    return [Hit(rows.load(r, _FUSED), r[0], r[1], float(r[2])) for r in found]


def page_query(
    among: Market,
    rows: ShownRows,
    keyword: dict[uuid.UUID, int],
    *,
    semantic: bool,
    rrf_k: int,
    depth: int,
    limit: int,
    max_distance: float,
    exact: Exact | None = None,
) -> tuple[Prepared, dict[str, Any]]:
    """The statement `page` runs and its values, but the `query` vector's (`semantic`: with
    the nearest neighbours)."""
    statement = _page_statement(among, rows, rrf_k, semantic, depth, limit, exact is not None)
    values: dict[str, Any] = {
        **among.values,
        "keyword_ids": list(keyword),
        "keyword_ranks": list(keyword.values()),
        "max_distance": max_distance,
    }
    if exact is not None:
        values["tenant"] = exact.tenant_id
    return statement, values
