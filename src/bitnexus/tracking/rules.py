"""The rules that mark a click as no human's, and the one that makes a click unique.

A click a bot rule matches is kept, flagged `is_bot` with the rule's name, and left out of the
filtered counts:
- `user_agent`: the User-Agent names a crawler, bot, link previewer, monitor or HTTP library;
- `no_user_agent`: there is none;
- `head`: a HEAD request (link checkers; browsers send GET);
- `prefetch`: `Purpose`/`Sec-Purpose: prefetch`, `X-Moz: prefetch` or `X-Purpose: preview`;
- `rate` (`RATE`): the same address has already clicked the same link `limit` times within
  `window`.
A click is unique (`UNIQUE`) when the same visitor has not clicked the same link within its
`window`: the same `bnx_vid` cookie, or (a visitor without the cookie) the same address and
User-Agent.

`rate` and `unique` need the clicks before this one: they are decided where clicks are stored
(`repository.INSERT_CLICKS`, given these objects' numbers), `rate` also in process by
`RateWatch`, on the clicks this process records itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

BOT_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrap|facebookexternalhit|embedly|preview|whatsapp|"
    r"telegram|skype|slack|discord|curl|wget|python-|httpx|aiohttp|go-http-client|java/|"
    r"okhttp|libwww|headless|phantomjs|lighthouse|pingdom|uptime|monitor|check_http",
    re.IGNORECASE,
)
PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-moz", "x-purpose")


@dataclass(frozen=True, slots=True)
class RateRule:
    """An address that has already clicked a link `limit` times within `window` is a bot."""

    limit: int
    window: dt.timedelta


@dataclass(frozen=True, slots=True)
class UniqueRule:
    """A click is unique when its visitor has not clicked the same link within `window`."""

    window: dt.timedelta


RATE = RateRule(limit=10, window=dt.timedelta(seconds=60))
UNIQUE = UniqueRule(window=dt.timedelta(hours=24))


def bot_reason(method: str, headers: Mapping[str, str]) -> str | None:
    """Which rule (all but `rate`, which needs history) marks this request as no human."""
    agent = headers.get("user-agent", "")
    if method == "HEAD":
        return "head"
    for header in PREFETCH_HEADERS:
        purpose = headers.get(header)
        if purpose and ("prefetch" in purpose.lower() or "preview" in purpose.lower()):
            return "prefetch"
    if not agent.strip():
        return "no_user_agent"
    if _bot_agent(agent):
        return "user_agent"
    return None


@functools.lru_cache(maxsize=4096)  # browsers send few distinct User-Agents
def _bot_agent(agent: str) -> bool:
    return BOT_AGENTS.search(agent) is not None


class RateWatch:
    """The `rate` rule on the clicks this process records itself: an address that has already
    clicked a link `rule.limit` times here within `rule.window` is flagged at once, and
    PostgreSQL skips its probe for that click (the probe, which counts every process's clicks,
    still decides the rest). Remembers the last `limit` times of each (link, address) pair seen
    in the last two windows, for at most `max_pairs` pairs a window."""

    def __init__(self, rule: RateRule = RATE, *, max_pairs: int = 100_000) -> None:
        self._limit = rule.limit
        self._window = rule.window.total_seconds()
        self._max_pairs = max_pairs
        self._current: dict[tuple[uuid.UUID, bytes], deque[float]] = {}
        self._previous: dict[tuple[uuid.UUID, bytes], deque[float]] = {}
        self._turn = -math.inf  # when `current` becomes `previous`

    def too_fast(self, link_id: uuid.UUID, ip_hash: bytes, now: float) -> bool:
        """Count a click at `now` (monotonic seconds); True when it breaks the rule."""
        if now >= self._turn:
            self._previous, self._current = self._current, {}
            self._turn = now + self._window
        key = (link_id, ip_hash)
        times = self._current.get(key)
        if times is None:
            times = self._previous.pop(key, None)
            if times is None:
                if len(self._current) >= self._max_pairs:
                    return False  # (PostgreSQL's probe decides)
                times = deque(maxlen=self._limit)
            self._current[key] = times
        fast = len(times) == self._limit and times[0] > now - self._window
        times.append(now)
        return fast
