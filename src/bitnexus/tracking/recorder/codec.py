"""A click as one line of the write-ahead file: a JSON array, the address only hashed. The same
line is what the drain hands PostgreSQL (`repository.INSERT_CLICKS` takes it apart), so what
PostgreSQL would refuse is mended or refused before it is written (`fit`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import orjson

from bitnexus.core import jsontext
from bitnexus.tracking.models import BotReason, Click, max_chars
from bitnexus.tracking.visitors import Visit

# what the `clicks` columns hold, in characters
AGENT_CHARS = max_chars(Click.__table__.c.user_agent)
REFERRER_CHARS = max_chars(Click.__table__.c.referrer)
COUNTRY_CHARS = max_chars(Click.__table__.c.country)
BOT_REASONS = frozenset(reason.value for reason in BotReason)

Row = tuple[Visit, bytes, bytes]  # a click with its address hash and visitor hash
Line = tuple[uuid.UUID, bytes]  # a click's tenant and its line (`encode`)


def fit(visit: Visit) -> Visit:
    """`visit` as the `clicks` table takes it: texts cut to their columns' lengths and without
    NUL (PostgreSQL stores none), a country that is not two letters unknown (None), one in
    lower case upper-cased. A bot reason the table does not know is a bug, not a visitor's
    doing: ValueError (the click is then not recorded, and the redirect logs it)."""
    if visit.bot_reason is not None and visit.bot_reason not in BOT_REASONS:
        raise ValueError(f"unknown bot reason {visit.bot_reason!r}")
    agent = _text(visit.user_agent, AGENT_CHARS)
    referrer = None if visit.referrer is None else _text(visit.referrer, REFERRER_CHARS)
    country = visit.country
    if country is not None:
        country = country.strip().upper()
        if len(country) != COUNTRY_CHARS or not (country.isascii() and country.isalpha()):
            country = None
    if (agent, referrer, country) == (visit.user_agent, visit.referrer, visit.country):
        return visit  # the usual case: nothing to mend
    return dataclasses.replace(visit, user_agent=agent, referrer=referrer, country=country)


def _text(value: str, chars: int) -> str:
    if "\0" in value:
        value = value.replace("\0", "")
    return value[:chars]


def encode(row: Row) -> bytes:
    """The line: ids and time as orjson writes them natively (hyphenated UUIDs, RFC 3339),
    which both `decode` and PostgreSQL read; the hashes in hex."""
    visit, ip_hash, visitor_hash = row
    fields = [
        visit.id,
        visit.tenant_id,
        visit.link_id,
        visit.at,
        ip_hash.hex(),
        visitor_hash.hex(),
        visit.user_agent,
        visit.referrer,
        visit.country,
        visit.bot_reason,
    ]
    return jsontext.dumps(fields, newline=True)


def decode(line: bytes) -> Row:
    click, tenant, link, at, ip_hash, visitor_hash, agent, referrer, country, bot = orjson.loads(
        line
    )
    visit = Visit(
        id=uuid.UUID(click),
        tenant_id=uuid.UUID(tenant),
        link_id=uuid.UUID(link),
        at=dt.datetime.fromisoformat(at),
        ip="",  # never written down: its hash is all that is kept
        visitor_id="",
        user_agent=agent,
        referrer=referrer,
        country=country,
        bot_reason=bot,
    )
    return visit, bytes.fromhex(ip_hash), bytes.fromhex(visitor_hash)
