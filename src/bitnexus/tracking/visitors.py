"""A visit (a click as the redirect sees it) and how its visitor is hashed: no raw address is
kept anywhere, only its HMAC under the day's salt, which every process shares through the
database and which is deleted for good after `SALT_DAYS_KEPT` days."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database
from bitnexus.core.outage import unreachable
from bitnexus.tracking import repository

SALT_DAYS_KEPT = 2


@dataclass(slots=True)
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
    """Today's salt for address hashes, shared by every process through the database. The next
    day's is read with it, so that clicks go on being hashed (and recorded) past midnight while
    the database cannot be reached."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._day: dt.date | None = None
        self._salt = b""
        self._ahead: tuple[dt.date, bytes] | None = None  # the next day's

    def known(self, now: dt.datetime) -> bytes | None:
        """Today's salt if this process already has it (no waiting: the common case)."""
        return self._salt if now.astimezone(dt.UTC).date() == self._day else None

    async def today(self, now: dt.datetime) -> bytes:
        day = now.astimezone(dt.UTC).date()
        if day != self._day:
            tomorrow = day + dt.timedelta(days=1)
            ahead: tuple[dt.date, bytes] | None
            try:
                async with self._db.sessionmaker() as session, session.begin():
                    salt = await _salt_of(session, day)
                    ahead = (tomorrow, await _salt_of(session, tomorrow, today=day))
            except Exception as error:
                if not (unreachable(error) and self._ahead and self._ahead[0] == day):
                    raise
                salt, ahead = self._ahead[1], None  # read the day before
            self._day, self._salt, self._ahead = day, salt, ahead
        return self._salt


def keyed(ip: str, salt: bytes) -> bytes:
    """An address's hash under a day's salt, 16 bytes."""
    mac = _keyed_with(salt).copy()
    mac.update(ip.encode())
    return mac.digest()[:16]


@functools.lru_cache(maxsize=4)
def _keyed_with(salt: bytes) -> hmac.HMAC:
    """HMAC-SHA256 keyed with `salt`, to copy (copying costs half of keying it again)."""
    return hmac.new(salt, digestmod=hashlib.sha256)


def hashes(visit: Visit, salt: bytes) -> tuple[bytes, bytes]:
    """(address hash, visitor hash) of a click."""
    visitor = hashlib.sha256(b"vid\n" + visit.visitor_id.encode()).digest()[:16]
    return keyed(visit.ip, salt), visitor


async def address_hash(session: AsyncSession, ip: str, at: dt.datetime) -> bytes:
    """`ip` hashed as a click at `at` would hash it (the salt of that UTC day)."""
    return keyed(ip, await _salt_of(session, at.astimezone(dt.UTC).date()))


async def _salt_of(session: AsyncSession, day: dt.date, *, today: dt.date | None = None) -> bytes:
    """The day's salt (the first process to ask sets it); salts past retention (counted from
    `today`, by default `day`) are deleted."""
    return await repository.salt_for(
        session,
        day,
        secrets.token_bytes(32),
        forget_before=(today or day) - dt.timedelta(days=SALT_DAYS_KEPT),
    )
