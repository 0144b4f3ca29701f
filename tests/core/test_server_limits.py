"""The limits `bitnexus serve` puts on what a client may send and on how long a stop waits,
against the real server."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import launch_server

SHUTDOWN_SECONDS = 2


@pytest.fixture(scope="module")
def server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[tuple[str, int]]:
    proc, url = launch_server(settings)
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    yield parts.hostname, parts.port
    proc.terminate()
    proc.wait(timeout=30)


def _exchange(address: tuple[str, int], head: bytes) -> bytes:
    """Send a request head; what came back before the server closed (b"" if it reset)."""
    with socket.create_connection(address, timeout=10) as conn:
        # refused while still sending: the answer may still be readable
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(head)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(65536):
                answer += chunk
        return answer


def _get(extra: bytes = b"") -> bytes:
    return b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" + extra + b"\r\n"


def test_an_ordinary_request_passes(server: tuple[str, int]) -> None:
    answer = _exchange(server, _get(b"X-Note: " + b"a" * 4096 + b"\r\n"))

    assert answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(b"X-Big: " + b"a" * 65_536 + b"\r\n", id="one-64-KiB-header"),
        pytest.param(b"".join(b"X-H%d: v\r\n" % i for i in range(200)), id="200-headers"),
    ],
)
def test_an_oversized_request_head_is_refused_with_431(
    server: tuple[str, int], extra: bytes
) -> None:
    answer = _exchange(server, _get(extra))

    # a server that closes with unread bytes may reset before the client reads its answer
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:200]
    if len(extra) < 16_384:  # all sent before the server decided: the answer always arrives
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]


def test_sigterm_with_a_slow_client_in_flight_exits_within_the_graceful_timeout(
    settings: Settings, db_urls: DatabaseUrls
) -> None:
    # given: a request whose body never finishes arriving
    proc, url = launch_server(settings, BITNEXUS_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS))
    parts = urlsplit(url)
    slow = socket.create_connection((parts.hostname, parts.port), timeout=10)
    slow.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    time.sleep(0.5)  # the request is in the app, waiting for its body

    # when
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)

    # then
    try:
        proc.wait(timeout=SHUTDOWN_SECONDS + 15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("serve did not stop with a slow client in flight")
    finally:
        slow.close()
    assert time.monotonic() - started < SHUTDOWN_SECONDS + 15
