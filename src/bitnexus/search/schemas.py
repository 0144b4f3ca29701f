"""Response shapes of search and recommendations (products as the catalog shows them)."""

from __future__ import annotations

from enum import StrEnum

from bitnexus.catalog.schemas import ProductRead
from bitnexus.core.schemas import OutputModel


class Match(StrEnum):
    keyword = "keyword"  # its words (stemmed) are in the product's text
    semantic = "semantic"  # its meaning is close to the product's (embeddings)
    both = "both"


class SearchHit(OutputModel):
    product: ProductRead
    match: Match
    score: float  # reciprocal rank fusion: higher is better, comparable within one answer


class SearchResults(OutputModel):
    items: list[SearchHit]
    # False while the model is off or the query could not be embedded: keywords only
    semantic: bool


class Reason(StrEnum):
    similar = "similar"  # close to the products you promote and sell
    top_earner = "top_earner"  # best earnings per click in the organisation


class Recommendation(OutputModel):
    product: ProductRead
    reason: Reason
