"""A click as one line of the write-ahead file: a JSON array, the address only hashed. The same
line is what the drain hands PostgreSQL (`repository.INSERT_CLICKS` takes it apart)."""

from __future__ import annotations

import datetime as dt
import uuid

import orjson

from bitnexus.tracking.visitors import Visit

Row = tuple[Visit, bytes, bytes]  # a click with its address hash and visitor hash
Line = tuple[uuid.UUID, bytes]  # a click's tenant and its line (`encode`)


def encode(row: Row) -> bytes:
    visit, ip_hash, visitor_hash = row
    fields = [
        visit.id.hex,
        visit.tenant_id.hex,
        visit.link_id.hex,
        visit.at.isoformat(),
        ip_hash.hex(),
        visitor_hash.hex(),
        visit.user_agent,
        visit.referrer,
        visit.country,
        visit.bot_reason,
    ]
    return orjson.dumps(fields) + b"\n"


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
