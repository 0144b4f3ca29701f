"""Shared Pydantic building blocks: input base, cursor pages."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bitnexus.core.errors import BadRequest, FieldError
from bitnexus.core.inputs import INT64_MAX, INT64_MIN
from bitnexus.core.money import BPS


def _no_nul_in_schema(schema: dict[str, Any]) -> None:
    """State the NUL rule in an input model's JSON schema: each free-text string property (one
    with no pattern, format or choices of its own) gets a pattern that excludes NUL."""
    for prop in schema.get("properties", {}).values():
        for option in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            if option.get("type") == "string" and not (
                {"pattern", "format", "enum", "const"} & option.keys()
            ):
                option["pattern"] = "^[^\\x00]*$"


class InputModel(BaseModel):
    """Request bodies: unknown fields are errors, strings are stripped, NUL characters (which
    PostgreSQL cannot store in text) are refused in any field, however deeply nested."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_no_nul_in_schema
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("NUL characters are not allowed.")
        return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# a rate, 0 to 100% in hundredths of a percent
BasisPoints = Annotated[int, Field(ge=0, le=BPS)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]


class Cursor(BaseModel):
    """Keyset position: the (created_at, id) of the last row of the previous page."""

    created_at: dt.datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps({"c": self.created_at.isoformat(), "i": str(self.id)}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value:
            return None
        try:
            data = _unwrapped(value)
            return cls(created_at=_instant(data["c"]), id=_uuid(data["i"]))
        except _NOT_A_CURSOR as exc:
            raise BadRequest(
                "The cursor is not valid.", errors=[FieldError("cursor", "Not a valid cursor.")]
            ) from exc


class Keyed(Protocol):
    created_at: dt.datetime
    id: uuid.UUID


K = TypeVar("K", bound=Keyed)


def split_page(rows: Sequence[K], limit: int) -> tuple[list[K], str | None]:
    """Cut a keyset query's rows (fetched with `limit + 1`) into a page and its next cursor."""
    page = list(rows[:limit])
    if len(rows) <= limit or not page:
        return page, None
    return page, Cursor(created_at=page[-1].created_at, id=page[-1].id).encode()


KeyValue = dt.datetime | int | uuid.UUID


def encode_keys(*values: KeyValue) -> str:
    """An opaque cursor for keyset paging on any sort: the sort keys of the last row shown."""
    tagged = [
        ["t", v.isoformat()] if isinstance(v, dt.datetime) else ["u", str(v)]
        if isinstance(v, uuid.UUID) else ["i", v]
        for v in values
    ]  # fmt: skip
    return base64.urlsafe_b64encode(json.dumps(tagged).encode()).decode().rstrip("=")


def decode_keys(value: str | None, *, expect: tuple[type, ...]) -> tuple[KeyValue, ...] | None:
    """The keys of `encode_keys`, checked against the types the current sort expects."""
    if not value:
        return None
    try:
        tagged = _unwrapped(value)
        decode: dict[str, Callable[[Any], KeyValue]] = {"t": _instant, "u": _uuid, "i": _bigint}
        keys = tuple(decode[tag](raw) for tag, raw in tagged)
        if len(keys) != len(expect) or not all(
            type(k) is t for k, t in zip(keys, expect, strict=True)
        ):
            raise ValueError(keys)
        return keys
    except _NOT_A_CURSOR as exc:
        raise BadRequest(
            "The cursor is not valid.", errors=[FieldError("cursor", "Not a valid cursor.")]
        ) from exc


# A cursor comes back from the client: anything may be in it, deep nesting and huge numbers too.
_NOT_A_CURSOR = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)


def _unwrapped(value: str) -> Any:
    padded = value + "=" * (-len(value) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()))


def _instant(raw: Any) -> dt.datetime:
    """A timestamp key: with its offset, and in UTC (so a date at the end of the calendar
    overflows here, not in the database driver)."""
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError(raw)
    return value.astimezone(dt.UTC)


def _uuid(raw: Any) -> uuid.UUID:
    if not isinstance(raw, str):
        raise TypeError(raw)
    return uuid.UUID(raw)


def _bigint(raw: Any) -> int:
    if type(raw) is not int or not INT64_MIN <= raw <= INT64_MAX:
        raise ValueError(raw)
    return raw
