"""pgvector's `vector(n)` column type for SQLAlchemy (values travel in pgvector's text form)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.types import UserDefinedType


def to_text(values: Sequence[float]) -> str:
    """pgvector's text form: `[0.1,0.2,…]` (repr keeps every float's full precision)."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


class Vector(UserDefinedType[list[float]]):
    cache_ok = True

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions

    def get_col_spec(self, **_kw: Any) -> str:
        return f"vector({self.dimensions})"

    def bind_processor(self, dialect: Any) -> Callable[[Any], str | None]:
        def process(value: Sequence[float] | str | None) -> str | None:
            if value is None or isinstance(value, str):
                return value
            return to_text(value)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], list[float] | None]:
        def process(value: str | None) -> list[float] | None:
            if value is None:
                return None
            return [float(v) for v in value.strip("[]").split(",")]

        return process
