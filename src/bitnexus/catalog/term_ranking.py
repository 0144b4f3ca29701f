"""The best products for some words without ranking every product they match.

`ts_rank` of a document for words joined by OR is the mean, over the query's distinct words,
of each word's impact in the document: its share of the rank, which depends only on where
and how often that word stands there (`bitnexus_term_impact`, kept per approved product in
`product_search_terms` by migration 0048). So, as a search engine reads its posting lists best
first (Fagin's threshold algorithm):

- each word's `limit` + 1 products of highest impact are read from that table's index;
- those products are ranked exactly, by `ts_rank` of their documents;
- a product read for no word ranks no higher than the mean of the impacts where each
  word's list stopped, and at an equal rank comes after the products read (their ids are
  higher: lists and ranking break ties by id, descending);
- so when `limit` of the products read rank above every product not read, they are the
  answer. Otherwise (many products share the best impacts of several words) every match is
  ranked, as without this table.

A word whose list ends before `limit` + 1 products leaves none unread. Only the marketplace
without filters is read this way: the table holds approved products alone, and a filter
(category, price, commission) may reject the products a list holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Select,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import TableValuedAlias

from bitnexus.catalog.models import ProductSearchTerm

# a bound on float rounding in ts_rank's sum (float4, a few words): ranks this far above the
# unread products' bound are above it whatever the rounding
ROUNDING = 1e-5


ENGLISH: ColumnClause[Any] = literal_column("'english'::regconfig")
"""The text search configuration of products' documents and of the words searched."""


def lexemes(words: Any, name: str) -> TableValuedAlias:
    """The lexemes of `words` as `plainto_tsquery` makes them (column `lexeme`, a row each;
    none for stop words), as the set `name`."""
    document = func.to_tsvector(ENGLISH, words)
    return func.unnest(func.tsvector_to_array(document)).table_valued("lexeme").render_derived(name)


def words_of(words: Any, name: str) -> CTE:
    """The distinct lexemes of `words` (a row each)."""
    found = lexemes(words, f"{name}_words")
    return select(found.c.lexeme).distinct().cte(f"{name}_lexemes")


def best_first(
    p: Any, within: list[ColumnElement[bool]], query: Any, words: Any, limit: Any, name: str
) -> tuple[Select[Any], ColumnElement[bool]]:
    """The products `query` ranks first (id, ts_rank), read from the term index, and whether
    they are proven to be the best `limit` of every match (`p`: the searchable view, `within`:
    the marketplace's conditions, `query`: the words' OR query as a scalar; `name` prefixes
    the statement's parts, so that one statement may rank two sets of words)."""
    lexemes = words_of(words, name)
    t = ProductSearchTerm
    place = func.row_number().over(order_by=(t.impact.desc(), t.product_id.desc()))
    read = (
        select(t.product_id, t.impact, place.label("place"))
        .where(t.lexeme == lexemes.c.lexeme)
        .order_by(t.impact.desc(), t.product_id.desc())
        .limit(limit + 1)
        .lateral(f"{name}_read")
    )
    lists = (
        select(lexemes.c.lexeme, read.c.product_id, read.c.impact, read.c.place)
        .select_from(lexemes.join(read, true()))
        .cte(f"{name}_lists")
    )
    # the lists that stopped: where each stopped (the first product not taken)
    stopped = select(lists).where(lists.c.place > limit).cte(f"{name}_stopped")
    rank = func.ts_rank(p.search_document, query)
    ranked = (
        select(p.id.label("id"), rank.label("score"), p.search_document.label("document"))
        .where(
            p.id.in_(select(lists.c.product_id)), *within, p.search_document.bool_op("@@")(query)
        )
        .cte(f"{name}_ranked")
    )
    n = cast(select(func.count()).select_from(lexemes).scalar_subquery(), Float)
    # no product not read ranks above the mean of the impacts where the lists stopped
    bound = select(func.sum(cast(stopped.c.impact, Float)) / n).scalar_subquery()
    # nor ties with a product that has at least those impacts and a higher id than every stop
    lowest_stop = (
        select(stopped.c.product_id).order_by(stopped.c.product_id).limit(1).scalar_subquery()
    )
    at_least = select(
        func.bool_and(
            func.bitnexus_term_impact(ranked.c.document, stopped.c.lexeme) >= stopped.c.impact
        )
    ).scalar_subquery()
    ahead = (
        select(func.count())
        .select_from(ranked)
        .where(
            or_(
                ranked.c.score > bound * (1 + ROUNDING),
                and_(at_least, ranked.c.id >= lowest_stop),
            )
        )
        .scalar_subquery()
    )
    proven = select(or_(~select(stopped).exists(), ahead >= limit).label("ok"))
    settled = select(proven.cte(f"{name}_proven").c.ok).scalar_subquery()
    best = (
        select(ranked.c.id, ranked.c.score)
        .order_by(ranked.c.score.desc(), ranked.c.id.desc())
        .limit(limit)
    )
    return best, settled
