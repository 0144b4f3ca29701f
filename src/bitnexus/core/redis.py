"""The process's Redis (`REDIS_URL`), when one is configured: the one module that speaks to it.

Every use is optional and has a fallback, so every method raises `Unavailable` instead of the
client's own errors: when Redis is not configured, when a command fails, and for
`retry_seconds` after a failure (a server that went away costs one timeout per second, not one
per request). The first failure of an outage and the first success after it are logged, and
every fallback is counted (`bitnexus_redis_fallbacks_total`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from bitnexus.core.config import Settings
from bitnexus.core.metrics.families import REDIS_FALLBACKS

log = structlog.get_logger(__name__)

T = TypeVar("T")
MAX_WAIT = 10.0  # the longest `read` waits for an entry (its socket's timeout is beyond it)

# Renews the lease only while `owner` still holds it (the compare and the expire in one step).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class Unavailable(Exception):
    """Redis is not configured or cannot be reached now: do what runs without it."""


class Shared:
    """One process's connections to Redis: `Shared(None)` is the installation without it."""

    def __init__(
        self,
        url: str | None,
        *,
        prefix: str = "bitnexus",
        timeout: float = 0.5,
        retry_seconds: float = 1.0,
    ) -> None:
        self._prefix = prefix
        self._retry_seconds = retry_seconds
        self._down_until = 0.0
        self._down_since: float | None = None
        self._client: aioredis.Redis | None = None
        self._blocking: aioredis.Redis | None = None  # for reads that wait on the server
        if url:
            options: dict[str, Any] = {
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                "health_check_interval": 30,
            }
            self._client = aioredis.Redis.from_url(url, **options)
            blocking = {**options, "socket_timeout": timeout + MAX_WAIT}
            self._blocking = aioredis.Redis.from_url(url, **blocking)

    @classmethod
    def of(cls, settings: Settings) -> Shared:
        url = settings.redis_url.get_secret_value() if settings.redis_url else None
        return cls(url, prefix=settings.redis_prefix, timeout=settings.redis_timeout_seconds)

    @property
    def configured(self) -> bool:
        return self._client is not None

    def key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

    async def close(self) -> None:
        for client in (self._client, self._blocking):
            if client is not None:
                await client.aclose()

    # -- the calls ---------------------------------------------------------------------------

    async def _call(
        self, use: str, command: Callable[[Any], Awaitable[T]], *, blocking: bool = False
    ) -> T:
        client = self._blocking if blocking else self._client
        if client is None:
            raise Unavailable("Redis is not configured")
        if self._down_until > time.monotonic():
            REDIS_FALLBACKS.labels(use).inc()
            raise Unavailable("Redis was unreachable a moment ago")
        try:
            result = await command(client)
        except (RedisError, OSError) as error:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the client's error for our own cancel
                raise asyncio.CancelledError from error
            self._down_until = time.monotonic() + self._retry_seconds
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("redis.unreachable", use=use, error=repr(error))
            REDIS_FALLBACKS.labels(use).inc()
            raise Unavailable(str(error)) from error
        if self._down_since is not None:
            log.warning(
                "redis.reachable", after_seconds=round(time.monotonic() - self._down_since, 1)
            )
            self._down_since = None
        return result

    async def ping(self, use: str) -> None:
        await self._call(use, lambda r: r.ping())

    async def get_with_ttl(self, use: str, key: str) -> tuple[bytes | None, float]:
        """The value at `key` and the seconds it has left (one round trip)."""

        async def command(r: Any) -> tuple[bytes | None, float]:
            value, ttl_ms = await r.pipeline(transaction=False).get(key).pttl(key).execute()
            return value, max(ttl_ms, 0) / 1000

        return await self._call(use, command)

    async def put(self, use: str, key: str, value: bytes, ttl: float) -> None:
        """Set `key` to `value` for `ttl` seconds."""
        await self._call(use, lambda r: r.set(key, value, px=max(int(ttl * 1000), 1)))

    async def count(self, use: str, key: str, window: float) -> int:
        """Add one to the counter at `key`, whose window starts with its first count and lasts
        `window` seconds (increment and expiry in one transaction), and return it."""

        async def command(r: Any) -> int:
            pipe = r.pipeline(transaction=True)
            pipe.incr(key).expire(key, max(int(window), 1), nx=True)
            counted, _ = await pipe.execute()
            return int(counted)

        return await self._call(use, command)

    async def seconds_left(self, use: str, keys: Sequence[str]) -> float:
        """The most time any of `keys` has left to live (0: none exists)."""

        async def command(r: Any) -> float:
            pipe = r.pipeline(transaction=False)
            for key in keys:
                pipe.pttl(key)
            left: list[int] = await pipe.execute()
            return max([0, *left]) / 1000

        return await self._call(use, command)

    async def delete(self, use: str, *keys: str) -> None:
        await self._call(use, lambda r: r.delete(*keys))

    # -- streams and leases (core.events) ----------------------------------------------------

    async def append(self, use: str, stream: str, fields: dict[str, str], keep: int) -> None:
        """Add an entry to `stream`, keeping about its last `keep` entries."""
        await self._call(
            use,
            lambda r: r.xadd(stream, fields, maxlen=keep, approximate=True),
        )

    async def last_entry(self, use: str, stream: str) -> str:
        """The id of the stream's last entry ("0-0" when it has none): read after it."""

        async def command(r: Any) -> str:
            entries = await r.xrevrange(stream, count=1)
            return entries[0][0].decode() if entries else "0-0"

        return await self._call(use, command)

    async def read(
        self, use: str, stream: str, after: str, wait: float
    ) -> list[tuple[str, dict[bytes, bytes]]]:
        """The entries after `after`, waiting up to `wait` seconds for one to come."""

        async def command(r: Any) -> list[tuple[str, dict[bytes, bytes]]]:
            block = max(int(min(wait, MAX_WAIT) * 1000), 1)
            answer = await r.xread({stream: after}, block=block, count=1000)
            return [(i.decode(), fields) for _, entries in answer for i, fields in entries]

        return await self._call(use, command, blocking=True)

    async def take_lease(self, use: str, key: str, owner: str, ttl: float) -> bool:
        """Hold `key` for `ttl` seconds if nobody does; True when `owner` holds it now."""
        px = max(int(ttl * 1000), 1)
        return bool(await self._call(use, lambda r: r.set(key, owner, nx=True, px=px)))

    async def renew_lease(self, use: str, key: str, owner: str, ttl: float) -> bool:
        """Hold `key` for another `ttl` seconds; False when `owner` no longer holds it."""
        px = str(max(int(ttl * 1000), 1))
        renewed = await self._call(use, lambda r: r.eval(_RENEW, 1, key, owner, px))
        return bool(renewed)

    async def release_lease(self, use: str, key: str, owner: str) -> None:
        await self._call(use, lambda r: r.eval(_RENEW, 1, key, owner, "1"))

    async def get(self, use: str, key: str) -> bytes | None:
        value: bytes | None = await self._call(use, lambda r: r.get(key))
        return value

    async def exists(self, use: str, key: str) -> bool:
        return bool(await self._call(use, lambda r: r.exists(key)))
