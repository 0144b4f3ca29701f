"""Time-ordered ids: UUIDv7 (RFC 9562), whose first 48 bits are the Unix time in milliseconds."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """A new UUIDv7: the time in milliseconds, then 74 random bits (the version and variant
    bits in between), so an id tells when it was made."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    return uuid.UUID(int=value & ~(0xF << 76 | 0x3 << 62) | 0x7 << 76 | 0x2 << 62)


def uuid7_time(value: uuid.UUID) -> dt.datetime | None:
    """When a UUIDv7 was made; None for any other version."""
    if value.version != 7:
        return None
    return dt.datetime.fromtimestamp((value.int >> 80) / 1000, dt.UTC)
