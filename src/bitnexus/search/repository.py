"""Every query on `product_embeddings` (RLS scopes them to the transaction's tenant).

Products themselves are the catalog's: they reach these queries as SQL the catalog service
hands over (`market_ids`, `search_texts`), never as its tables.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    REAL,
    ColumnElement,
    Float,
    Select,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.service import Market
from bitnexus.core.prepared import Prepared
from bitnexus.core.vector import to_text
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
            "embedding": to_text(vector),
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


@functools.lru_cache(maxsize=256)
def _nearest_statement(among: Market, excluding: bool) -> Prepared:
    # floats sent as a binary real[] (no text to format and parse), made a vector once: the
    # search's custom plan folds the cast (a generic plan casts for each row it returns)
    query = cast(bindparam("query", type_=ARRAY(REAL)), ProductEmbedding.embedding.type)
    distance = ProductEmbedding.embedding.op("<=>", return_type=Float)(query)
    stmt = select(ProductEmbedding.product_id, distance.label("distance")).where(
        ProductEmbedding.product_id.in_(among.ids())
    )
    if excluding:
        stmt = stmt.where(ProductEmbedding.product_id != func.all(bindparam("exclude")))
    return Prepared(stmt.order_by(distance).limit(bindparam("limit")))


async def nearest(
    session: AsyncSession,
    vector: Sequence[float] | Awaitable[Sequence[float]],
    among: Market,
    *,
    limit: int,
    max_distance: float,
    exclude: Sequence[uuid.UUID] = (),
) -> list[tuple[uuid.UUID, float]]:
    """The embedded products of `among` nearest to `vector` (cosine distance at most
    `max_distance`), nearest first, with their distance. `vector` may still be being computed
    (an awaitable). The HNSW scan goes on past the rows the filter drops, up to
    hnsw.max_scan_tuples (`core.db.CONNECTION_SETTINGS`), in relaxed order: sorted again
    here."""
    statement = _nearest_statement(among, bool(exclude))
    if not isinstance(vector, Sequence):
        vector = await vector
    values = {**among.values, "query": vector, "limit": limit, "exclude": list(exclude)}
    rows = await statement.fetch(session, values)
    found = [(r[0], float(r[1])) for r in rows if float(r[1]) <= max_distance]
    return sorted(found, key=lambda pair: pair[1])
