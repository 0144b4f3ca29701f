"""The model's child process and the socket to it, read by the event loop itself.

A call is one frame each way: the parent sends the texts (JSON), the child answers with their
vectors as packed float32s (or the error it met). The parent never waits on the socket in a
thread: no thread hop, no hand-over of the GIL, no floats unpickled one by one. Frames are a
4-byte big-endian length, then the payload; a reply's first byte says what it carries.

Between calls the child polls its socket for a while before it sleeps in the read (`spin`):
a CPU left to halt between two searches, its caches and clock given to whatever runs next,
ran the next query a third slower (docs/search.md). ONNX Runtime's and OpenMP's thread pools
spin briefly before they sleep for the same reason. Polling, it yields its CPU to any other
process ready to run there, so that it delays none of them.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import select
import signal
import socket
import struct
import threading
import time
from array import array
from collections.abc import Callable, Sequence
from typing import Any

_LENGTH = struct.Struct(">I")
_VECTORS, _FAILED = b"V", b"E"
PARENT_CHECK_SECONDS = 1.0

Encode = Callable[[Sequence[str], int], bytes]
"""Texts → their vectors as packed native float32s (run in the child)."""


def unpack(packed: bytes, dimensions: int) -> list[list[float]]:
    """Packed native float32s as vectors of `dimensions` floats each."""
    floats = array("f")
    floats.frombytes(packed)
    return [floats[i : i + dimensions].tolist() for i in range(0, len(floats), dimensions)]


class ChildFailed(RuntimeError):
    """The child answered a call with the error it met (its text)."""


class ChildLost(RuntimeError):
    """The child's socket closed or broke under a call: the process is gone."""


def serve(sock: socket.socket, encode: Encode, threads: int, spin_seconds: float) -> None:
    """The child: answer each frame of texts with their vectors, until the parent closes its
    end, polling for the next frame for `spin_seconds` after each answer before sleeping in
    the read. Ctrl-C reaches the whole process group: the parent decides when the child
    ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    while True:
        spin(sock, spin_seconds)
        try:
            texts = json.loads(_read_frame(sock))
        except (ChildLost, OSError):
            return
        try:
            reply = _VECTORS + encode(texts, threads)
        except Exception as exc:  # answered, not raised: the parent decides
            reply = _FAILED + repr(exc).encode()
        sock.sendall(_LENGTH.pack(len(reply)) + reply)


def spin(sock: socket.socket, seconds: float) -> bool:
    """Poll `sock` until it has something to read (True) or `seconds` have passed (False),
    keeping this process ready to run meanwhile: between two looks it yields its CPU to
    whatever else is ready to run there (the server, PostgreSQL, the client), and takes it
    back, without being woken, when nothing is."""
    readable = select.poll()
    readable.register(sock, select.POLLIN)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if readable.poll(0):
            return True
        os.sched_yield()
    return False


def _read_frame(sock: socket.socket) -> bytes:
    (size,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size))
    return _read_exactly(sock, size)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ChildLost("the socket closed")
        data += chunk
    return bytes(data)


def _exit_with(parent: int) -> None:
    """End the child once its parent is gone: a parent killed outright (kill -9) never closes
    its end of the socket."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


class Child:
    """A child process running `serve`, and the parent's end of the socket to it. One call at
    a time: the caller serialises them."""

    def __init__(
        self,
        target: Callable[[socket.socket, int, float], None],
        threads: int,
        spin_seconds: float,
    ) -> None:
        # torch must not be forked with threads running: a fresh interpreter
        context = multiprocessing.get_context("spawn")
        ours, theirs = socket.socketpair()
        self.process: Any = context.Process(
            target=target,
            args=(theirs, threads, spin_seconds),
            name="bitnexus-embedder",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        ours.setblocking(False)
        self._sock = ours
        # False while a call is under way: a call abandoned half-way (its event loop closed)
        # leaves a reply unread, and the socket can serve no other call
        self.idle = True

    async def call(self, texts: list[str], dimensions: int) -> list[list[float]]:
        """The vectors of `texts`, each `dimensions` floats. `ChildLost` when the process is
        gone; `ChildFailed` when it answered with an error."""
        loop = asyncio.get_running_loop()
        request = json.dumps(texts).encode()
        self.idle = False
        try:
            await loop.sock_sendall(self._sock, _LENGTH.pack(len(request)) + request)
            (size,) = _LENGTH.unpack(await self._receive(loop, _LENGTH.size))
            reply = await self._receive(loop, size)
        except OSError as exc:
            raise ChildLost(str(exc)) from exc
        self.idle = True
        if reply[:1] != _VECTORS:
            raise ChildFailed(reply[1:].decode(errors="replace"))
        return unpack(reply[1:], dimensions)

    async def _receive(self, loop: asyncio.AbstractEventLoop, size: int) -> bytes:
        data = bytearray(size)
        view, got = memoryview(data), 0
        while got < size:
            n = await loop.sock_recv_into(self._sock, view[got:])
            if n == 0:
                raise ChildLost("the embedding model's process closed its socket")
            got += n
        return bytes(data)

    def close(self) -> None:
        self._sock.close()
        self.process.kill()
        self.process.join()
