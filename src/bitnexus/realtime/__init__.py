"""Channels: one WebSocket per client over which it follows the topics it may see, fed by the
outbox's dispatcher (docs/realtime.md)."""
