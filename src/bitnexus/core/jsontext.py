"""JSON as the app writes it for machines (spool lines, outbox events): orjson, which writes
UUIDs, datetimes and enums itself, plus asyncpg's own UUID type (ids read straight from a
row), which it does not. Anything else is a TypeError, never a silent `str()`."""

from __future__ import annotations

import uuid

import orjson


def dumps(value: object, *, newline: bool = False) -> bytes:
    option = orjson.OPT_APPEND_NEWLINE if newline else 0
    return orjson.dumps(value, default=_text_of, option=option)


def _text_of(value: object) -> str:
    if isinstance(value, uuid.UUID):  # a subclass orjson leaves to us
        return str(value)
    raise TypeError(f"{type(value).__name__} is not written as JSON here")
