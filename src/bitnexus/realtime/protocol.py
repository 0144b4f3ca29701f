"""The socket's messages (docs/realtime.md): what a client may send, parsed strictly, and the
server's replies. Every message is a JSON object with an `op`; events travel in binary frames
(the dispatcher's bytes, unchanged), everything else in text frames."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import orjson

from bitnexus.core import jsontext
from bitnexus.core.inputs import INT64_MAX

MAX_MESSAGE_BYTES = 8192  # an access token is well under 1 KiB
MAX_TOPIC_CHARS = 100
MAX_REF_CHARS = 64


class Close(IntEnum):
    """Why the server closed a socket (the WebSocket close code it sends)."""

    NOT_AUTHENTICATED = 4401  # no valid `auth` first, or the token expired or was revoked
    SUSPENDED = 4403  # the user or the organisation was suspended
    FELL_BEHIND = 4409  # too slow to take its events: reconnect and resume
    IDLE = 4408  # silent for longer than the idle timeout (no message, not even a ping)
    TOO_MANY = 4429  # the user or the organisation holds too many sockets already
    TRY_AGAIN = 1013  # the caller could not be checked (the database is out of reach)


Ref = str | int | None  # the client's own tag for a request, echoed in the reply


@dataclass(frozen=True, slots=True)
class Auth:
    token: str
    ref: Ref = None


@dataclass(frozen=True, slots=True)
class Join:
    topic: str
    after: int | None = None  # the newest event id the client saw: resume after it
    ref: Ref = None


@dataclass(frozen=True, slots=True)
class Leave:
    topic: str
    ref: Ref = None


@dataclass(frozen=True, slots=True)
class Ping:
    ref: Ref = None


Message = Auth | Join | Leave | Ping


class BadMessage(Exception):
    """A message the server cannot act on: answered with an `error`, the socket stays open."""

    def __init__(self, code: str, message: str, ref: Ref = None) -> None:
        super().__init__(message)
        self.code, self.message, self.ref = code, message, ref


_FIELDS = {"auth": {"token"}, "join": {"topic", "after"}, "leave": {"topic"}, "ping": set[str]()}


def parse(raw: str | bytes) -> Message:
    """One client message, or `BadMessage` saying what is wrong with it."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise BadMessage("too_large", f"Messages are at most {MAX_MESSAGE_BYTES} bytes.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadMessage("bad_json", "Send one JSON object per message.") from None
    if not isinstance(body, dict):
        raise BadMessage("bad_json", "Send one JSON object per message.")
    ref = _ref(body.get("ref"))
    op = body.get("op")
    if not isinstance(op, str) or op not in _FIELDS:
        raise BadMessage("unknown_op", f"Unknown op; expected one of {sorted(_FIELDS)}.", ref)
    unknown = set(body) - _FIELDS[op] - {"op", "ref"}
    if unknown:
        raise BadMessage("bad_field", f"Unknown field {sorted(unknown)[0]!r} for {op}.", ref)
    if op == "auth":
        return Auth(_text(body, "token", 4096, ref), ref)
    if op == "ping":
        return Ping(ref)
    topic = _text(body, "topic", MAX_TOPIC_CHARS, ref)
    if op == "leave":
        return Leave(topic, ref)
    after = body.get("after")
    if after is not None and (
        not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= INT64_MAX
    ):
        raise BadMessage("bad_field", "after: the id of an event you received.", ref)
    return Join(topic, after, ref)


def _text(body: dict[str, Any], field: str, limit: int, ref: Ref) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise BadMessage("bad_field", f"{field}: a string of 1 to {limit} characters.", ref)
    return value


def _ref(value: object) -> Ref:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value if value is None or abs(value) <= INT64_MAX else None
    if isinstance(value, str) and len(value) <= MAX_REF_CHARS:
        return value
    return None


# -- the server's replies (text frames) ---------------------------------------------------------


def reply(op: str, ref: Ref = None, **fields: object) -> str:
    body: dict[str, object] = {"op": op, **fields}
    if ref is not None:
        body["ref"] = ref
    return jsontext.dumps(body).decode()


def error(problem: BadMessage, **fields: object) -> str:
    return reply("error", problem.ref, code=problem.code, message=problem.message, **fields)
