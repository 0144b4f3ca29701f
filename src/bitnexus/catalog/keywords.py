"""Keyword search: the marketplace's products ranked by the words they have, then, when the
words find less than a page, by the words a misspelling nearly spells.

- The words are stemmed (`english`) and joined by OR; `ts_rank` orders the products by how
  many of them, in which fields, each has. An unfiltered marketplace reads each word's best
  products first (`term_ranking`).
- A word no approved product has ("machne"; stop words aside) is corrected to the tenant's
  title words it nearly spells (trigram similarity, migration 0049's `product_title_words`):
  "machine". The products those find come after every product the words themselves find.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import (
    CTE,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    column,
    false,
    func,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog import term_ranking
from bitnexus.catalog.models import ProductSearchTerm
from bitnexus.catalog.repository import Market, Searchable
from bitnexus.core.prepared import Prepared

# a title word this close to a word of the query is a spelling of it: a misspelling is
# mostly one letter missed, added or changed (Damerau, 1964). At least SPELLING_SIMILARITY
# (pg_trgm similarity: the trigrams they share over the trigrams either has) and at most a
# letter longer or shorter: "machne" → "machine" (0.50), "lerning" → "learning" (0.55); not
# "meat" → "meal" (0.43), nor "grow" → "growth" (0.50, two letters more: another word)
SPELLING_SIMILARITY = 0.5
SPELLING_LENGTH_CHANGE = 1

KeywordScore = tuple[bool, float]
"""(found by the words themselves, score): ts_rank of the words, else of their spellings."""

TitleWords = table("title_word_search", column("word", Text))
"""The tenant's title words as migration 0049's `title_word_search` view
(`core.rls.tenant_view`): trigram conditions on it may use the index, which row security
forbids."""


def any_of(words: Any) -> Any:
    """The words' stems joined by OR, computed once per run (an InitPlan): a plan made once for
    any words (`search.repository.plan`) would otherwise parse them again for each row."""
    every_word = func.plainto_tsquery(term_ranking.ENGLISH, words)
    return select(cast(func.replace(cast(every_word, Text), "&", "|"), TSQUERY)).scalar_subquery()


def spellings(words: Any) -> Any:
    """The tenant's title words that nearly spell a word of `words` no approved product has
    (stop words aside), as one text, found once however often the statement reads it."""
    asked = (
        func.unnest(func.bitnexus_title_words(words)).table_valued("word").render_derived("asked")
    )
    stems = term_ranking.lexemes(asked.c.word, "stem")
    had = select(ProductSearchTerm.tenant_id).where(ProductSearchTerm.lexeme == stems.c.lexeme)
    # a stem no product has: a stop word has none, a word the catalogue has is no misspelling
    unknown = select(stems.c.lexeme).where(~had.exists()).exists()
    near = TitleWords.c.word.bool_op("%")(asked.c.word)  # the index's candidates, at 0.3
    close = and_(
        func.similarity(TitleWords.c.word, asked.c.word) >= SPELLING_SIMILARITY,
        func.abs(func.length(TitleWords.c.word) - func.length(asked.c.word))
        <= SPELLING_LENGTH_CHANGE,
    )
    found = (
        select(func.string_agg(TitleWords.c.word, " ").label("words"))
        .select_from(asked)
        .join(TitleWords, near)
        .where(unknown, close)
        .cte("spellings")
    )
    return select(found.c.words).scalar_subquery()


def ranked(market: Market, words: Any, limit: Any, name: str) -> CTE:
    """The `limit` marketplace products `words` rank first: (id, ts_rank), best first, ties by
    id descending."""
    p = Searchable
    within = market.conditions(p)
    query = any_of(words)
    rank = func.ts_rank(p.search_document, query)
    every = (
        select(p.id.label("id"), rank.label("score"))
        .where(*within, p.search_document.bool_op("@@")(query))
        .order_by(rank.desc(), p.id.desc())  # ties: as the term index reads them
        .limit(limit)
    )
    if not market.unfiltered:
        return every.cte(name)
    # read best first from the term index, every match if need be
    best, settled = term_ranking.best_first(p, within, query, words, limit, name)
    return union_all(best.where(settled), every.where(~settled)).cte(name)


def keyword_query(market: Market, words: Any, limit: Any) -> Select[uuid.UUID, bool, float]:
    """Marketplace products whose full-text document has any of `words`' stems, best first
    (ts_rank: more of the words, in heavier fields), then, when those are fewer than `limit`,
    the products of the title words that nearly spell them, best first.
    `words` and `limit`: values, or the parameters of a prepared statement."""
    by_words = ranked(market, words, limit, "by_words")
    # looked for only when the words find fewer than a page (a one-time filter)
    short = select(func.count()).select_from(by_words).scalar_subquery() < limit
    by_spellings = ranked(market, spellings(words), limit, "by_spellings")
    nearly = select(by_spellings.c.id, false(), by_spellings.c.score).where(
        short, by_spellings.c.id.not_in(select(by_words.c.id))
    )
    worded = select(by_words.c.id, true().label("worded"), by_words.c.score)
    found = union_all(worded, nearly).subquery()
    return (
        select(found.c.id, found.c.worded, found.c.score)
        .order_by(found.c.worded.desc(), found.c.score.desc(), found.c.id.desc())
        .limit(limit)
    )


@functools.lru_cache(maxsize=256)
def _keyword_statement(market: Market) -> Prepared:
    return Prepared(keyword_query(market, bindparam("words", type_=Text), bindparam("limit")))


async def keyword_ranked(
    session: AsyncSession, market: Market, words: str, limit: int
) -> list[tuple[uuid.UUID, KeywordScore]]:
    """`keyword_query`'s products, each with its (found by the words, score) key."""
    rows = await _keyword_statement(market).fetch(
        session, {**market.values, "words": words, "limit": limit}
    )
    return [(r[0], (bool(r[1]), float(r[2]))) for r in rows]
