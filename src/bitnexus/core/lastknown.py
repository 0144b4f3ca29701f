"""The last value read for each key, to answer with while its source cannot be reached (a
link's target during an outage) or to spare reading it again meanwhile (a tenant's share of
the search index): kept for at most `max_age` seconds after it was read, and for at most
`max_entries` keys (the least recently used goes first), so neither its age nor its memory
grows without bound."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LastKnown(Generic[K, V]):
    """`keep(key, value)` after each successful read; `get(key)` while the source is down."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_entries = max_entries
        self._max_age = max_age
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def keep(self, key: K, value: V) -> None:
        """Remember `value` as read just now (the least recently used key goes if full)."""
        if self._max_entries <= 0:
            return
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def get(self, key: K) -> V | None:
        """The value last read for `key`, unless it was read more than `max_age` ago."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        read_at, value = entry
        if self._clock() - read_at > self._max_age:
            del self._entries[key]  # too old to trust: never again
            return None
        self._entries.move_to_end(key)
        return value

    def drop(self, key: K) -> None:
        """Forget `key`: its source says it is gone."""
        self._entries.pop(key, None)
