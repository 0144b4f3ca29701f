"""Failed-login throttling: failures counted per key (an account, an address) in a window that
starts with the first one, and a lockout of one window once a key reaches its limit.

With Redis the counts live there (a counter and a lock key per throttle key, each expiring on
its own), so every process counts the same failures without a database write per attempt.
Without it, or while it cannot be reached, they live in the `auth_throttle` table; a lockout
is looked for in both, so none made during an outage of Redis is lost when it comes back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository
from bitnexus.core.redis import Shared, Unavailable

USE = "logins"  # the fallback counter's label


@dataclass(frozen=True, slots=True)
class Throttle:
    session: AsyncSession
    shared: Shared | None

    def _keys(self, key: str) -> tuple[str, str] | None:
        if self.shared is None or not self.shared.configured:
            return None
        return self.shared.key("login", "failures", key), self.shared.key("login", "lock", key)

    async def locked_until(self, keys: list[str], now: dt.datetime) -> dt.datetime | None:
        """The latest lockout still in force among `keys`, if any."""
        locked = await repository.throttle_locked_until(self.session, keys, now)
        if self.shared is not None and self.shared.configured:
            locks = [k[1] for k in map(self._keys, keys) if k is not None]
            with contextlib.suppress(Unavailable):
                if left := await self.shared.seconds_left(USE, locks):
                    until = now + dt.timedelta(seconds=left)
                    locked = until if locked is None else max(locked, until)
        return locked

    async def record_failure(
        self, key: str, *, limit: int, window: dt.timedelta, now: dt.datetime
    ) -> None:
        """Count one failure in the key's window; lock the key for a window once it hits `limit`."""
        redis_keys = self._keys(key)
        if self.shared is not None and redis_keys is not None:
            failures, lock = redis_keys
            seconds = window.total_seconds()
            try:
                if await self.shared.count(USE, failures, seconds) >= limit:
                    await self.shared.put(USE, lock, b"1", seconds)
                return
            except Unavailable:
                pass
        await repository.throttle_record_failure(
            self.session, key, limit=limit, window=window, now=now
        )

    async def clear(self, key: str) -> None:
        """A successful login: the key's failures count from zero again."""
        redis_keys = self._keys(key)
        if self.shared is not None and redis_keys is not None:
            with contextlib.suppress(Unavailable):
                await self.shared.delete(USE, *redis_keys)
        await repository.throttle_clear(self.session, key)
