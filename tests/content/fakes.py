"""A local HTTP server that speaks a model API's wire protocol with scripted answers: the
OpenAI chat completions reply, Gemini's generateContent reply, an error status, a malformed
body, or no answer at all (to time out)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    hang: bool = False  # never answer: the client must time out


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def chat_completion(content: str | None) -> Answer:
    """An OpenAI chat completions response carrying `content`."""
    return Answer(
        body=json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": "fake-model",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        ).encode()
    )


def gemini_content(text: str) -> Answer:
    """A Gemini generateContent response carrying `text`."""
    return Answer(
        body=json.dumps(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": text}]},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10},
                "modelVersion": "fake-gemini",
            }
        ).encode()
    )


def error(status: int, message: str, code: str = "") -> Answer:
    """An error body in the shape both APIs use (`{"error": {...}}`)."""
    body = {"error": {"message": message, "code": status, "status": code, "type": code}}
    return Answer(status=status, body=json.dumps(body).encode())


@dataclass
class FakeModelServer:
    answers: list[Answer] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *lines = head.decode("latin-1").split("\r\n")
            method, path, _ = line.split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines if h)
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.seen.append(Seen(method, path, headers, json.loads(raw) if raw else None))
            answer = self.answers.pop(0) if self.answers else Answer(status=500)
            if answer.hang:
                await asyncio.Event().wait()  # until the client gives up and we are closed
            writer.write(
                f"HTTP/1.1 {answer.status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(answer.body)}\r\nconnection: close\r\n\r\n".encode()
                + answer.body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def fake_model_server() -> AsyncIterator[FakeModelServer]:
    fake = FakeModelServer()
    handlers: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await fake._serve(reader, writer)
        finally:
            handlers.discard(task)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    fake.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        server.close()
        for task in list(handlers):  # hanging answers: their clients gave up long ago
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)
