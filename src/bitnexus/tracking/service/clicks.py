"""Recording clicks: who is a bot, how visitors are hashed, and the group commit that makes a
click durable before its redirect is answered.

Durability: group commit. The redirect hands its click to the process's `ClickRecorder` and
waits; the recorder writes every click queued meanwhile in one statement per tenant and commits,
then releases the waiting redirects. So a redirect is answered only once its click is committed:
a process killed at any moment loses no answered click (tests/tracking/test_click_durability).
The recorder keeps a few connections of its own, outside the pool: each batch is then one
round trip (an INSERT committing by itself) instead of a session's BEGIN, tenant, INSERT and
COMMIT. Their tenant is a session setting, changed only when a batch is another tenant's, on
connections nothing else uses.

Bot and prefetch rules (a click they match is kept, flagged `is_bot` with the rule's name, and
left out of the filtered counts):
- `user_agent`: the User-Agent names a crawler, bot, link previewer, monitor or HTTP library;
- `no_user_agent`: there is none;
- `head`: a HEAD request (link checkers; browsers send GET);
- `prefetch`: `Purpose`/`Sec-Purpose: prefetch`, `X-Moz: prefetch` or `X-Purpose: preview`;
- `rate`: the same address has already clicked the same link 10 times in the last 60 seconds.
A click is unique when the same visitor has not clicked the same link in the previous 24 hours:
the same `bnx_vid` cookie, or (a visitor without the cookie) the same address and User-Agent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database
from bitnexus.core.dburl import libpq
from bitnexus.tracking import repository

log = structlog.get_logger(__name__)

BOT_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrap|facebookexternalhit|embedly|preview|whatsapp|"
    r"telegram|skype|slack|discord|curl|wget|python-|httpx|aiohttp|go-http-client|java/|"
    r"okhttp|libwww|headless|phantomjs|lighthouse|pingdom|uptime|monitor|check_http",
    re.IGNORECASE,
)
RATE_LIMIT = 10  # clicks by one address on one link ...
RATE_WINDOW = dt.timedelta(seconds=60)  # ... within this window; more are flagged `rate`
SALT_DAYS_KEPT = 2


def bot_reason(method: str, headers: Mapping[str, str]) -> str | None:
    """Which stated rule (all but `rate`, which needs history) marks this request as no human."""
    agent = headers.get("user-agent", "")
    if method == "HEAD":
        return "head"
    purpose = " ".join(
        headers.get(h, "") for h in ("purpose", "sec-purpose", "x-moz", "x-purpose")
    ).lower()
    if "prefetch" in purpose or "preview" in purpose:
        return "prefetch"
    if not agent.strip():
        return "no_user_agent"
    if _bot_agent(agent):
        return "user_agent"
    return None


@functools.lru_cache(maxsize=4096)  # browsers send few distinct User-Agents
def _bot_agent(agent: str) -> bool:
    return BOT_AGENTS.search(agent) is not None


@dataclass(frozen=True, slots=True)
class Visit:
    id: uuid.UUID  # the click id (`bnx_cid`)
    tenant_id: uuid.UUID
    link_id: uuid.UUID
    at: dt.datetime
    ip: str
    visitor_id: str  # the `bnx_vid` cookie: the browser's, or the one this answer sets
    user_agent: str
    referrer: str | None
    country: str | None
    bot_reason: str | None


class Salts:
    """Today's salt for address hashes, shared by every process through the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._day: dt.date | None = None
        self._salt = b""

    async def today(self, now: dt.datetime) -> bytes:
        day = now.astimezone(dt.UTC).date()
        if day != self._day:
            async with self._db.sessionmaker() as session, session.begin():
                self._salt = await repository.salt_for(
                    session,
                    day,
                    secrets.token_bytes(32),
                    forget_before=day - dt.timedelta(days=SALT_DAYS_KEPT),
                )
            self._day = day
        return self._salt


def keyed(ip: str, salt: bytes) -> bytes:
    """An address's hash under a day's salt, 16 bytes: no raw address is kept anywhere."""
    return hmac.new(salt, ip.encode(), hashlib.sha256).digest()[:16]


def hashes(visit: Visit, salt: bytes) -> tuple[bytes, bytes]:
    """(address hash, visitor hash) of a click."""
    visitor = hashlib.sha256(b"vid\n" + visit.visitor_id.encode()).digest()[:16]
    return keyed(visit.ip, salt), visitor


async def address_hash(session: AsyncSession, ip: str, at: dt.datetime) -> bytes:
    """`ip` hashed as a click at `at` would hash it (the salt of that UTC day)."""
    day = at.astimezone(dt.UTC).date()
    salt = await repository.salt_for(
        session, day, secrets.token_bytes(32), forget_before=day - dt.timedelta(days=SALT_DAYS_KEPT)
    )
    return keyed(ip, salt)


_Waiting = tuple[Visit, "asyncio.Future[None]"]


@dataclass(slots=True)
class _Connection:
    raw: asyncpg.Connection
    tenant_id: uuid.UUID | None = None  # the session's tenant setting


class ClickRecorder:
    """Group commit for clicks: `record` returns once the click is committed. Up to `in_flight`
    batches commit at once; clicks arriving meanwhile fill the next one."""

    def __init__(self, db: Database, *, max_batch: int = 2000, in_flight: int = 3) -> None:
        self._db = db
        self._dsn = libpq(db.engine.url)
        self._salts = Salts(db)
        self._max_batch = max_batch
        self._in_flight = in_flight
        self._queue: list[_Waiting] = []
        self._flushing: set[asyncio.Task[None]] = set()
        # at most `in_flight` connections, however many tenants a batch has
        self._connections = asyncio.Semaphore(in_flight)
        self._idle: list[_Connection] = []

    async def record(self, visit: Visit) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((visit, done))
        self._start_flushing()
        await done

    def _start_flushing(self) -> None:
        if self._queue and len(self._flushing) < self._in_flight:
            self._flushing.add(asyncio.create_task(self._flush()))

    async def close(self) -> None:
        while self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.raw.close()

    async def _connect(self) -> _Connection:
        raw = await asyncpg.connect(
            self._dsn,
            server_settings={
                "application_name": "bitnexus-clicks",
                # Plan each batch for its own rows: a generic plan, made once while the clicks
                # table was small and kept for the connection's life, went on reading every
                # click of the day from the address for each new one (4x slower in a minute).
                "plan_cache_mode": "force_custom_plan",
            },
        )
        return _Connection(raw)

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                by_tenant: dict[uuid.UUID, list[_Waiting]] = defaultdict(list)
                for waiting in batch:
                    by_tenant[waiting[0].tenant_id].append(waiting)
                await asyncio.gather(*(self._write(t, w) for t, w in by_tenant.items()))
        finally:
            # Leave the set at once, not in a done-callback: a click queued between this loop's
            # last look at the queue and such a callback would find every slot taken and could
            # wait for a flush that never comes.
            self._flushing.discard(asyncio.current_task())
            self._start_flushing()

    async def _write(self, tenant_id: uuid.UUID, waiting: Sequence[_Waiting]) -> None:
        connection = None
        try:
            salt = await self._salts.today(waiting[0][0].at)
            rows = [(visit, *hashes(visit, salt)) for visit, _ in waiting]
            async with self._connections:
                connection = self._idle.pop() if self._idle else await self._connect()
                if connection.tenant_id != tenant_id:
                    connection.tenant_id = None  # unknown until the setting is confirmed
                    await connection.raw.execute(
                        "SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id)
                    )
                    connection.tenant_id = tenant_id
                await repository.insert_clicks(
                    connection.raw, tenant_id, rows, rate_limit=RATE_LIMIT, rate_window=RATE_WINDOW
                )
                self._idle.append(connection)
        except BaseException as failed:  # cancelled too: no redirect may wait forever
            if connection is not None:  # in an unknown state: never reused
                connection.raw.terminate()
            log.error(
                "clicks.not_recorded", tenant_id=str(tenant_id), count=len(waiting), exc_info=True
            )
            error = failed if isinstance(failed, Exception) else RuntimeError("recording stopped")
            for _, done in waiting:
                if not done.done():
                    done.set_exception(error)
            if not isinstance(failed, Exception):
                raise
            return
        for _, done in waiting:
            if not done.done():
                done.set_result(None)
