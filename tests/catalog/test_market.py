"""Which marketplaces are the whole marketplace: keyword search reads the term index, which
holds every approved product, only for those (`Market.unfiltered`)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bitnexus.catalog.commission import OwnTerms
from bitnexus.catalog.service import Market, MarketFilter

# a value that narrows the marketplace, for every filter a marketplace may have
NARROWING: dict[str, Any] = {
    "category": "Courses",
    "currency": "USD",
    "min_price": 0,
    "max_price": 10_000,
    "min_commission": 0,
    "grades": ["A"],
    "query": "bread",
}


@pytest.mark.parametrize(
    "name", [f.name for f in dataclasses.fields(MarketFilter) if f.name != "own"]
)
def test_any_filter_makes_a_marketplace_filtered(name: str) -> None:
    # a filter added without a value here fails: it must be known to narrow or not
    narrowed = MarketFilter(**{name: NARROWING[name]})
    assert not Market.of(narrowed, 1_000).unfiltered


def test_no_filter_is_the_whole_marketplace_whoever_reads_it() -> None:
    assert Market.of(MarketFilter(), 1_000).unfiltered
    assert Market.of(
        MarketFilter(own=OwnTerms(group="gold", bps=1_500, fixed_minor=None)), 1_000
    ).unfiltered
