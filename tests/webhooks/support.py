"""A real HTTP receiver for webhooks (a server on a local port, in a thread of the test) and
small helpers to register endpoints and send what is due."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, utcnow
from bitnexus.webhooks import jobs
from tests.factories import Account


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next of `answers` (then 200), recording every request."""

    url: str = ""
    answers: list[tuple[int, dict[str, str], bytes | None]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self, *statuses: int, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> None:
        with self.lock:
            self.answers.extend((s, headers or {}, body) for s in statuses)

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def serve(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, headers, body = (
                    receiver.answers.pop(0) if receiver.answers else (200, {}, None)
                )
            reply = body or (b'{"ok": true}' if status < 300 else b"receiver says no")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


async def register(
    who: Account, url: str, *types: str, expect: int = 201, **extra: Any
) -> dict[str, Any]:
    r = await who.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": url, "event_types": list(types), **extra},
        headers=who.headers,
    )
    assert r.status_code == expect, r.text
    return r.json()  # type: ignore[no-any-return]


async def deliveries(who: Account, endpoint_id: str) -> list[dict[str, Any]]:
    r = await who.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries", headers=who.headers
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def delivery(who: Account, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    r = await who.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}", headers=who.headers
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def send_due(
    db: Database, settings: Settings, *, later: dt.timedelta = dt.timedelta()
) -> int:
    """Run the delivery job once, its clock `later` from now."""
    return await jobs.deliver_due(db, settings, now=utcnow() + later)


def park_other_deliveries(owner_engine: Engine, tenant_id: str) -> None:
    """Keep other tests' pending deliveries out of this test's job runs (they wait a year)."""
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '365 days'"
                " WHERE status = 'pending' AND tenant_id <> :t"
            ),
            {"t": tenant_id},
        )
