"""Reciprocal rank fusion: products both retrievers find rise; keyword ties do not depend on
product ids."""

from __future__ import annotations

import uuid

import pytest

from bitnexus.search.schemas import Match
from bitnexus.search.service import fuse, ranks

A, B, C, D = (uuid.UUID(int=n) for n in (4, 3, 2, 1))  # ids in the opposite order to names


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        pytest.param([(A, 0.9), (B, 0.5), (C, 0.1)], {A: 1, B: 2, C: 3}, id="distinct"),
        pytest.param([(A, 0.5), (B, 0.5), (C, 0.1)], {A: 1, B: 1, C: 3}, id="tie"),
        pytest.param([], {}, id="none"),
    ],
)
def test_equal_keyword_scores_share_a_rank(
    scored: list[tuple[uuid.UUID, float]], expected: dict[uuid.UUID, int]
) -> None:
    assert ranks(scored) == expected


def test_meaning_orders_what_keywords_cannot_tell_apart() -> None:
    # given three products equally good by keywords, and a semantic ranking of two of them
    keyword = ranks([(A, 0.5), (B, 0.5), (C, 0.5)])

    # when fused
    fused = fuse(keyword, [C, D, B])

    # then the ones found both ways come first, in the semantic order, and each says how
    assert [(f.product_id, f.match) for f in fused] == [
        (C, Match.both),
        (B, Match.both),
        (A, Match.keyword),
        (D, Match.semantic),
    ]
