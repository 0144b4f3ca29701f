"""The model seam: unit vectors of 384 floats, and concurrent queries sharing model calls."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bitnexus.search.embedder import Embedder, Vectors


class CountingEmbedder(Embedder):
    """The real model, counting its calls."""

    calls = 0

    def encode_now(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        self.calls += 1
        return super().encode_now(texts, batch_size)


async def test_vectors_are_unit_length_and_384_wide(embedder: Embedder) -> None:
    vectors = await embedder.encode(["crypto course", "sourdough bread"])

    assert [len(v) for v in vectors] == [384, 384]
    assert all(abs(sum(x * x for x in v) - 1) < 1e-4 for v in vectors)


async def test_concurrent_queries_share_model_calls(embedder: Embedder) -> None:
    # given a seam over the already loaded model, and eight searches arriving together
    seam = CountingEmbedder(1)
    seam._model = embedder._load()
    queries = [f"query number {n}" for n in range(8)]

    # when each asks for its vector
    vectors = await asyncio.gather(*(seam.encode_one(q) for q in queries))

    # then fewer model calls than queries answered them, each with its own vector
    assert seam.calls < len(queries)
    alone = embedder.encode_now(queries)
    for got, want in zip(vectors, alone, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-4
