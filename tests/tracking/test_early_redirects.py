"""Redirects the HTTP protocol answers itself (`core.early`), against a real server.

A link's first visit is answered by the app, which caches the link; the visits after it are
answered below ASGI. Either way a visitor gets the same answer and leaves a stored click, and
requests sent together on one connection are answered in the order they were sent.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from tests.conftest import launch_server
from tests.factories import Program

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture(params=["http", "https"])
def server(settings: Settings, request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A server with a link cache; its public URL http or https (`Strict-Transport-Security`
    and secure cookies on every answer, early ones included)."""
    public = {"BITNEXUS_PUBLIC_URL": "https://links.example"} if request.param == "https" else {}
    proc, url = launch_server(settings, BITNEXUS_LINK_CACHE_SECONDS="60", **public)
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    yield parts.hostname, parts.port
    _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def _get(path: str, *extra: str, version: str = "1.1") -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: test", f"User-Agent: {BROWSER}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answers(
    address: tuple[str, int], data: bytes, count: int
) -> list[tuple[int, dict[str, list[str]]]]:
    """Send `data` in one write; read `count` bodiless or sized answers: (status, headers)."""
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(data)
        buffer, answers = b"", []
        while len(answers) < count:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                assert chunk, f"the server closed after {len(answers)} answers"
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers: dict[str, list[str]] = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
            size = int(headers.get("content-length", ["0"])[0])
            while len(buffer) < size:
                buffer += conn.recv(65536)
            buffer = buffer[size:]
            answers.append((int(status_line.split()[1]), headers))
        return answers


def _click(headers: dict[str, list[str]]) -> str:
    return parse_qs(urlsplit(headers["location"][0]).query)["bnx_cid"][0]


def _stored(owner_engine: Engine, code: str) -> set[str]:
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT c.id FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = :c"),
            {"c": code},
        )
        return {row[0].hex for row in rows}


async def _until_stored(owner_engine: Engine, code: str, clicks: set[str]) -> set[str]:
    """The clicks of `clicks` still missing once they are all stored or 30 s have passed."""
    deadline = time.monotonic() + 30
    missing = clicks - _stored(owner_engine, code)
    while missing and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        missing = clicks - _stored(owner_engine, code)
    return missing


async def _link(program: Program) -> str:
    product = await program.approved()
    r = await program.affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=program.affiliate.headers
    )
    return str(r.json()["code"])


async def test_an_early_answer_is_the_answer_the_app_gives(
    program: Program, server: tuple[str, int], owner_engine: Engine
) -> None:
    # given a link the server has answered once (through the app, caching the link)
    code = await _link(program)
    [(status, by_app)] = _answers(server, _get(f"/r/{code}"), 1)
    assert status == 302

    # when it is visited again, with a request id of the caller's
    [(status, early)] = _answers(server, _get(f"/r/{code}", "X-Request-ID: caller-7"), 1)

    # then the answer is the same 302, with its own click, and the click is stored
    assert status == 302
    assert sorted(early) == sorted(by_app)
    assert early["x-request-id"] == ["caller-7"]
    assert [c.split("=")[0] for c in early["set-cookie"]] == ["bnx_cid", "bnx_vid"]
    assert urlsplit(early["location"][0])._replace(query="") == urlsplit(
        by_app["location"][0]
    )._replace(query="")
    clicks = {_click(by_app), _click(early)}
    assert len(clicks) == 2
    assert not await _until_stored(owner_engine, code, clicks)


async def test_requests_sent_together_are_answered_in_order(
    program: Program, server: tuple[str, int], owner_engine: Engine
) -> None:
    code = await _link(program)
    _answers(server, _get(f"/r/{code}"), 1)  # cached from now on

    together = b"".join(
        [_get(f"/r/{code}"), _get("/healthz"), _get(f"/r/{code}"), _get(f"/r/{code}")]
    )
    answers = _answers(server, together, 4)

    assert [status for status, _ in answers] == [302, 200, 302, 302]
    clicks = {_click(headers) for status, headers in answers if status == 302}
    assert len(clicks) == 3
    assert not await _until_stored(owner_engine, code, clicks)


@pytest.mark.parametrize(
    ("request_", "closes"),
    [
        pytest.param(lambda code: _get(f"/r/{code}", "Connection: close"), True, id="close"),
        pytest.param(lambda code: _get(f"/r/{code}", version="1.0"), True, id="http-1.0"),
        pytest.param(lambda code: _get(f"/r/{code}?utm_x=%0a"), None, id="control-in-query"),
    ],
)
async def test_what_the_protocol_does_not_take_the_app_answers(
    program: Program, server: tuple[str, int], request_: object, closes: bool | None
) -> None:
    code = await _link(program)
    _answers(server, _get(f"/r/{code}"), 1)  # cached: only the request's shape decides

    [(status, headers)] = _answers(server, request_(code), 1)  # type: ignore[operator]

    if closes is None:  # refused by the app's input guard, as every path and query is
        assert status == 400
    else:
        assert status == 302
        assert headers.get("connection") == ["close"] or headers.get("connection") is None
