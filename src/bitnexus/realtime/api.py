"""The WebSocket route (protocol: docs/realtime.md)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from bitnexus.realtime.socket import Services, serve

router = APIRouter(tags=["realtime"])


@router.websocket("/socket")
async def open_socket(websocket: WebSocket) -> None:
    """Follow topics live: authenticate with the access token as the first message, then join
    and leave topics and receive their events."""
    state = websocket.app.state
    await serve(websocket, Services(state.db, state.events, state.settings, state.sockets))
