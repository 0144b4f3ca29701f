"""Ranking metrics with binary relevance."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(k: int, ranked: Sequence[str], relevant: set[str]) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at(k: int, ranked: Sequence[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal
