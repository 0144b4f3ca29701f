"""Answers the HTTP protocol gives itself, before ASGI (`core.limits.LimitedHttpToolsProtocol`).

A request the installed `Answer` can take from what the process holds in memory (a redirect
whose link is cached: `tracking.api.answer_early`) is answered with no task, ASGI scope, cycle
or message made for it; those cost about a quarter of a redirect's time in the server
(docs/marketplace.md). The answer says when it is ready (a future: the redirect's once its
click is in the spool), and the protocol writes it then. Anything else, and anything the
answer declines, goes on to the app as before.

Only what cannot surprise the protocol is taken: a GET in origin form, on a kept-alive HTTP/1.1
connection, with no other request of the connection in flight, and a path and query free of
control characters (`core.inputs.clean`) and percent-escapes. The answer carries the server's
default headers (`date`) first, as uvicorn's answers do. A request that arrives behind one
still pending waits for it in uvicorn's queue (`Pending` stands in for its cycle), so answers
keep their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bitnexus.core.inputs import clean


@dataclass(frozen=True, slots=True)
class Head:
    """What an early answer reads of a request."""

    path: str
    query: bytes
    headers: Sequence[tuple[bytes, bytes]]  # names in lower case, as uvicorn keeps them
    client: tuple[str, int] | None


Reply = tuple[bytes, Sequence[tuple[bytes, bytes]]]  # status (b"302 Found"), headers
Answer = Callable[[Head], "asyncio.Future[Reply] | None"]

_installed: list[tuple[bytes, Answer]] = []  # this process's (one app per server process)


def install(answer: Answer, prefix: bytes) -> None:
    """Offer `answer` the GETs whose path starts with `prefix` (all others skip it)."""
    _installed[:] = [(prefix, answer)]


def uninstall() -> None:
    _installed.clear()


def take(
    url: bytes, headers: Sequence[tuple[bytes, bytes]], client: tuple[str, int] | None
) -> asyncio.Future[Reply] | None:
    """The installed answer's future for a GET of `url`, or None: the app answers it."""
    if not _installed or not url.startswith(_installed[0][0]):
        return None
    raw_path, _, query = url.partition(b"?")
    if b"%" in raw_path or not raw_path.isascii():
        return None
    path = raw_path.decode("ascii")
    if not clean(path, query):
        return None
    return _installed[0][1](Head(path, query, headers, client))


def response(status: bytes, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """An answer without a body, as bytes: its status line (b"302 Found") and headers."""
    lines = [b"HTTP/1.1 ", status, b"\r\n"]
    for name, value in headers:
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


class _NoEvent:
    def set(self) -> None:
        pass


class Pending:
    """Stands in for uvicorn's request cycle while an early answer is pending: the protocol
    reads these attributes (a later request queues behind it; a lost connection marks it)."""

    message_event = _NoEvent()

    def __init__(self) -> None:
        self.response_complete = False
        self.more_body = True
        self.keep_alive = True
        self.disconnected = False
        self.body = b""
