"""A connection the server has ended, caught in the moment between its last message and its
close. The server's final error (a shutdown, `pg_terminate_backend`) and the socket's close
arrive together, and a client reads them a turn of its event loop apart: a statement sent in
that turn is the case. A relay between client and server makes the moment last: it passes
everything on, but holds a client's end open after the server has closed its own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import URL

from bitnexus.core.dburl import libpq
from tests.waiting import eventually


class HoldingRelay:
    """A TCP relay to the PostgreSQL at `upstream` (its Unix socket or host and port)."""

    def __init__(self, upstream: URL) -> None:
        self._upstream = upstream
        self._server: asyncio.Server | None = None
        self._relaying: set[asyncio.Task[None]] = set()
        self._ends: set[asyncio.StreamWriter] = set()
        self._released = asyncio.Event()
        self.held = 0  # connections the server closed, their last bytes passed on, held open

    def url(self) -> URL:
        """`upstream`'s URL through the relay."""
        assert self._server is not None, "the relay is started"
        port = self._server.sockets[0].getsockname()[1]
        return self._upstream.set(host="127.0.0.1", port=port, query={})

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)

    async def release(self) -> None:
        """Close every connection relayed (a held end sees its close at last)."""
        self._released.set()
        for writer in self._ends:
            writer.close()
        if self._relaying:
            await asyncio.wait(self._relaying)
        self._released = asyncio.Event()

    async def close(self) -> None:
        """Stop relaying."""
        assert self._server is not None
        self._server.close()
        await self.release()
        await self._server.wait_closed()

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        host, port = self._upstream.query.get("host") or self._upstream.host, self._upstream.port
        if isinstance(host, str) and host.startswith("/"):
            return await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port or 5432}")
        return await asyncio.open_connection(host, port or 5432)

    async def _accepted(
        self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        relaying = asyncio.current_task()
        assert relaying is not None
        self._relaying.add(relaying)
        server_in, server = await self._open_upstream()
        self._ends |= {client, server}
        asking = asyncio.create_task(_pass_on(client_in, server))
        try:
            await _pass_on(server_in, client)
            if not asking.done():  # the server closed first: the client's end is held
                self.held += 1
                await self._released.wait()
        finally:
            asking.cancel()
            for writer in (client, server):
                writer.close()
                self._ends.discard(writer)
            self._relaying.discard(relaying)


async def _pass_on(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Everything `source` sends, to `sink`, until `source` closes (`sink` is left open)."""
    with contextlib.suppress(ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()


@contextlib.asynccontextmanager
async def holding_relay(upstream: URL) -> AsyncIterator[HoldingRelay]:
    relay = HoldingRelay(upstream)
    await relay.start()
    try:
        yield relay
    finally:
        await relay.close()


async def end_backend(pid: int, relay: HoldingRelay, as_url: URL) -> None:
    """Have the server end its backend `pid` (reached through `relay`) as `as_url`'s role, and
    return once the relay has passed its last message on and holds the client's end."""
    held = relay.held
    other = await asyncpg.connect(libpq(as_url))
    try:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await other.close()

    async def passed_on() -> bool:
        return relay.held > held

    await eventually(passed_on, "the server's last message passed on")


async def end(connection: asyncpg.Connection, relay: HoldingRelay, as_url: URL) -> None:
    """Have the server end `connection` (idle, reached through `relay`), and return once the
    connection has read the server's last message, its close held back."""
    await end_backend(connection.get_server_pid(), relay, as_url)
    await eventually(lambda: _all_read(connection), "the connection read the last message")
    assert not connection.is_closed()


async def _all_read(connection: asyncpg.Connection) -> bool:
    """Whether nothing is left unread on `connection`'s socket (asyncpg reads as bytes come)."""
    transport: asyncio.Transport = connection._transport  # type: ignore[attr-defined]
    fd = transport.get_extra_info("socket").fileno()
    with socket.socket(fileno=socket.dup(fd)) as peek:
        try:
            peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        return False
