"""A way to the test PostgreSQL that a test can cut and mend: a TCP port forwarding to its Unix
socket. Cut, its connections are reset and new ones refused, as when the database goes away;
mended, it forwards again."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import URL

from tests.conftest import free_port


class CuttableWay:
    def __init__(self, url: URL) -> None:
        socket_dir = url.query["host"]
        assert isinstance(socket_dir, str), url
        self._socket = f"{socket_dir}/.s.PGSQL.{url.port or 5432}"
        self.port = free_port()
        self.url = url.set(host="127.0.0.1", port=self.port, query={})
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def mend(self) -> None:
        """Forward connections to PostgreSQL (again)."""
        self._server = await asyncio.start_server(
            self._forward, "127.0.0.1", self.port, reuse_address=True
        )

    async def cut(self) -> None:
        """Reset every connection and refuse new ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._open):
            writer.transport.abort()
        if server is not None:
            await server.wait_closed()

    async def _forward(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        server_r, server_w = await asyncio.open_unix_connection(self._socket)
        self._open |= {client_w, server_w}
        try:
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        finally:
            self._open -= {client_w, server_w}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()  # one side gone: so is the other
