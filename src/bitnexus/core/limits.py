"""Limits on the request head, enforced while it is read: uvicorn's httptools protocol keeps
any header it is sent (one 64 MB header slowed every request for everyone), and h11's size
limit does not count headers."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bitnexus.core import early
from bitnexus.core.config import Settings, get_settings

log = structlog.get_logger(__name__)

REFUSED = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 36\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request header fields are too large."
)


@dataclass(frozen=True)
class HeadLimits:
    max_bytes: int
    max_headers: int

    @classmethod
    def of(cls, settings: Settings) -> HeadLimits:
        return cls(settings.max_header_bytes, settings.max_headers)


_in_force: list[HeadLimits] = []  # this process's, set once


def configure(settings: Settings) -> None:
    """Use these settings' limits in this process."""
    _in_force[:] = [HeadLimits.of(settings)]


def in_force() -> HeadLimits:
    # worker processes of `serve --workers N` build their settings from the environment too
    if not _in_force:
        configure(get_settings())
    return _in_force[0]


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 and closing when a request head is larger
    than `max_bytes` or carries more than `max_headers` headers; the app never sees such a
    request. A head still arriving is measured by the bytes received since it began, so a
    huge one is refused after at most one read past the limit, not kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = in_force()
        self._in_head = False
        self._received = 0  # bytes received while the head is incomplete
        self._head_bytes = 0  # the head's url and headers, as parsed
        self._header_count = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._in_head and not self._refused:
            self._received += len(data)
            if self._received > self._limits.max_bytes:
                self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._received = self._head_bytes = self._header_count = 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self._header_count <= self._limits.max_headers:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        limits = self._limits
        if self._header_count > limits.max_headers or self._head_bytes > limits.max_bytes:
            self._refuse()
            return
        if not self._answered_early():
            super().on_headers_complete()

    def _answered_early(self) -> bool:
        """Whether the request was taken by the process's early answer (`core.early`), and
        its answer will be written once ready."""
        if (
            (self.cycle is not None and not self.cycle.response_complete)
            or self.parser.get_method() != b"GET"
            or self.parser.get_http_version() != "1.1"
            or not self.parser.should_keep_alive()
            or self.parser.should_upgrade()
        ):
            return False
        try:
            answer = early.take(self.url, self.headers, self.client)
        except Exception:  # the app answers it instead, and logs whatever goes wrong there
            log.exception("http.early_answer_failed")
            return False
        if answer is None:
            return False
        pending = early.Pending()
        self.cycle = pending  # type: ignore[assignment]  # (what uvicorn reads of a cycle)
        answer.add_done_callback(functools.partial(self._give, pending))
        return True

    def _give(self, pending: early.Pending, answer: asyncio.Future[early.Reply]) -> None:
        pending.response_complete = True
        if answer.cancelled() or answer.exception() is not None:
            self.transport.close()  # (the answer logged why)
            return
        if not self.transport.is_closing():
            status, headers = answer.result()
            defaults = self.server_state.default_headers
            self.transport.write(early.response(status, [*defaults, *headers]))
            if not pending.keep_alive:  # the server is stopping
                self.transport.close()
        self.on_response_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def _refuse(self) -> None:
        self._refused = True
        if not self.transport.is_closing():
            self.transport.write(REFUSED)
            self.transport.close()
