"""The fan-out benchmark's baseline: a bare Starlette WebSocket endpoint that keeps its clients
and, on `POST /broadcast?events=N`, sends each of them N copies of one pre-serialised event
(bench/fanout.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

clients: set[WebSocket] = set()


async def socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.receive_text()
    clients.add(ws)
    await ws.send_text("ready")
    try:
        while True:
            await ws.receive_text()
    except WebSocketDisconnect:
        clients.discard(ws)


async def broadcast(request: Request) -> PlainTextResponse:
    events, tenant = int(request.query_params["events"]), str(uuid.uuid4())
    # shaped as the outbox's events are (core.events.Event.json)
    shape = {"type": "bench.tick", "tenant_id": tenant, "topics": [f"tenant:{tenant}"]}
    now = dt.datetime.now(dt.UTC)
    frames = [orjson.dumps({"id": n, **shape, "at": now, "data": {"n": n}}) for n in range(events)]

    async def send(ws: WebSocket) -> None:
        for frame in frames:
            await ws.send_bytes(frame)

    await asyncio.gather(*(send(ws) for ws in list(clients)))
    return PlainTextResponse("sent")


async def ready(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        WebSocketRoute("/socket", socket),
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/ready", ready),
    ]
)
