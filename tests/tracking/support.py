"""What the tracking tests share: a live link, a browser's click on it, the link's tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.tracking.visitors import Visit
from tests.factories import BROWSER, Program


async def live_link(program: Program, **body: Any) -> dict[str, Any]:
    product = await program.approved(landing_url="https://shop.example/course?ref=list")
    r = await program.affiliate.client.post(
        "/api/v1/links",
        json={"product_id": product["id"], **body},
        headers=program.affiliate.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def browser_visit(tenant_id: uuid.UUID, link_id: str, n: int) -> Visit:
    """Visitor `n`'s click on a link, now, as the redirect would hand it to the recorder."""
    return Visit(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        link_id=uuid.UUID(link_id),
        at=dt.datetime.now(dt.UTC),
        ip=f"198.51.100.{n}",
        visitor_id=f"{n:020d}",
        user_agent=BROWSER,
        referrer=None,
        country=None,
        bot_reason=None,
    )


def tenant_of(owner_engine: Engine, link: dict[str, Any]) -> uuid.UUID:
    with owner_engine.connect() as conn:
        tenant_id: uuid.UUID = conn.execute(
            text("SELECT tenant_id FROM links WHERE id = :l"), {"l": link["id"]}
        ).scalar_one()
    return tenant_id


def stored_clicks(owner_engine: Engine, link: dict[str, Any]) -> set[uuid.UUID]:
    """The ids of the link's clicks in PostgreSQL."""
    with owner_engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM clicks WHERE link_id = :l"), {"l": link["id"]})
        return set(found.scalars())


def clicks_of(owner_engine: Engine, link_id: str) -> list[Any]:
    """A link's clicks, oldest first, as stored (the owner's view: no row security)."""
    with owner_engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT id, ip_hash, visitor_hash, user_agent, referrer, is_bot, bot_reason,"
                    " is_unique, affiliate_id, product_id FROM clicks WHERE link_id = :l"
                    " ORDER BY created_at, id"
                ),
                {"l": link_id},
            )
        )
