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
    """Today's salt for address hashes, shared by every process through the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._day: dt.date | None = None
        self._salt = b""

    def known(self, now: dt.datetime) -> bytes | None:
        """Today's salt if this process already has it (no waiting: the common case)."""
        return self._salt if now.astimezone(dt.UTC).date() == self._day else None

    async def today(self, now: dt.datetime) -> bytes:
        day = now.astimezone(dt.UTC).date()
        if day != self._day:
            async with self._db.sessionmaker() as session, session.begin():
                self._salt = await _salt_of(session, day)
            self._day = day
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


async def _salt_of(session: AsyncSession, day: dt.date) -> bytes:
    """The day's salt (the first process to ask sets it); salts past retention are deleted."""
    return await repository.salt_for(
        session,
        day,
        secrets.token_bytes(32),
        forget_before=day - dt.timedelta(days=SALT_DAYS_KEPT),
    )
