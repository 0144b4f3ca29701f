"""Queries of the redirect's hot path: resolving a code, recording clicks, the daily salt."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.models import Product
from bitnexus.tenants.models import Tenant
from bitnexus.tracking.models import Click, ClickSalt, Link, LinkStatus, max_chars
from bitnexus.tracking.rules import RateRule, UniqueRule


async def tenant_of_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    """The one lookup across tenants: which tenant a link code belongs to."""
    found: uuid.UUID | None = (
        await session.execute(text("SELECT bitnexus_link_tenant(:code)"), {"code": code})
    ).scalar_one_or_none()
    return found


async def has_links(session: AsyncSession, affiliate_id: uuid.UUID) -> bool:
    found = await session.execute(select(Link.id).where(Link.affiliate_id == affiliate_id).limit(1))
    return found.first() is not None


async def promoted_products(session: AsyncSession, affiliate_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(Link.product_id)
        .where(Link.affiliate_id == affiliate_id, Link.status != LinkStatus.deleted)
        .distinct()
    )
    return list(rows.scalars())


async def human_clicks_of(session: AsyncSession, affiliate_id: uuid.UUID) -> list[Click]:
    """An affiliate's clicks that no bot rule counted out, oldest first."""
    rows = await session.execute(
        select(Click)
        .where(Click.affiliate_id == affiliate_id, Click.is_bot.is_(False))
        .order_by(Click.created_at, Click.id)
    )
    return list(rows.scalars())


async def link_target(
    session: AsyncSession, *, code: str | None = None, alias: str | None = None
) -> tuple[Link, Product, Tenant] | None:
    """A link of the transaction's tenant with its product and tenant, by code or alias."""
    stmt = (
        select(Link, Product, Tenant)
        .join(Product, (Product.tenant_id == Link.tenant_id) & (Product.id == Link.product_id))
        .join(Tenant, Tenant.id == Link.tenant_id)
    )
    stmt = stmt.where(Link.code == code) if code is not None else stmt.where(Link.alias == alias)
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def salt_for(
    session: AsyncSession, day: dt.date, candidate: bytes, *, forget_before: dt.date
) -> bytes:
    """The day's salt (the first process to ask sets it); older salts are deleted for good."""
    await session.execute(
        insert(ClickSalt).values(day=day, salt=candidate).on_conflict_do_nothing()
    )
    await session.execute(delete(ClickSalt).where(ClickSalt.day < forget_before))
    salt: bytes = (
        await session.execute(select(ClickSalt.salt).where(ClickSalt.day == day))
    ).scalar_one()
    return salt


# what the columns hold: lines spooled now are cut to it already (`recorder.codec.fit`)
_AGENT_CHARS = max_chars(Click.__table__.c.user_agent)
_REFERRER_CHARS = max_chars(Click.__table__.c.referrer)


async def insert_clicks(
    connection: Any,  # an asyncpg connection
    tenant_id: uuid.UUID,
    lines: bytes,
    *,
    rate: RateRule,
    unique: UniqueRule,
) -> None:
    """Insert one tenant's clicks in one statement, deciding `rate` bots and unique clicks
    against the clicks already stored and those earlier in the same batch. `lines` are the
    clicks as the write-ahead file holds them (`codec.encode`, one JSON array a line), taken
    apart by PostgreSQL rather than on the server's event loop. `connection` must be scoped to
    `tenant_id` (RLS refuses the rows otherwise)."""
    await connection.execute(
        INSERT_CLICKS, tenant_id, lines.decode(), rate.limit, rate.window, unique.window, None
    )


async def insert_late_clicks(
    connection: Any,  # an asyncpg connection, scoped to `tenant_id`
    tenant_id: uuid.UUID,
    lines: bytes,
    *,
    rate: RateRule,
    unique: UniqueRule,
) -> None:
    """`insert_clicks` for clicks that may be older than the tenant's rollup mark (a spool
    replayed, a backlog drained after an outage): those are added to their hour's rollup in the
    same statement. The mark row is locked (shared) first, so the rollup job, which locks it
    for update, runs wholly before or after: no click is counted twice or missed."""
    async with connection.transaction():
        await connection.execute(
            "INSERT INTO click_rollups (tenant_id, rolled_until) VALUES ($1, NULL)"
            " ON CONFLICT (tenant_id) DO NOTHING",
            tenant_id,
        )
        mark = await connection.fetchval(
            "SELECT rolled_until FROM click_rollups WHERE tenant_id = $1 FOR SHARE", tenant_id
        )
        await connection.execute(
            INSERT_CLICKS, tenant_id, lines.decode(), rate.limit, rate.window, unique.window, mark
        )


INSERT_CLICKS = f"""
    WITH c AS (
        SELECT c.*,
               bitnexus_click_key(c.link_id, c.visitor) AS visitor_key,
               bitnexus_click_key(c.link_id, c.ip_hash) AS address_key,
               count(*) OVER (PARTITION BY c.link_id, c.ip_hash ORDER BY c.at, c.id) - 1
                   AS earlier_by_address,
               row_number() OVER (PARTITION BY c.link_id, c.visitor ORDER BY c.at, c.id)
                   AS nth_by_visitor,
               row_number() OVER (PARTITION BY c.link_id, c.ip_hash, c.user_agent
                                  ORDER BY c.at, c.id) AS nth_by_browser
        FROM (
            SELECT (j->>0)::uuid AS id, (j->>2)::uuid AS link_id, (j->>3)::timestamptz AS at,
                   decode(j->>4, 'hex') AS ip_hash, decode(j->>5, 'hex') AS visitor,
                   left(j->>6, {_AGENT_CHARS}) AS user_agent,
                   left(j->>7, {_REFERRER_CHARS}) AS referrer,
                   j->>8 AS country, j->>9 AS bot_reason
            FROM (SELECT line::jsonb FROM string_to_table(rtrim($2::text, E'\\n'), E'\\n') AS line)
                 AS lines(j)
        ) c
    ), judged AS MATERIALIZED (  -- once: the final SELECT reads `reason` twice
        -- Each probe looks up the link's key with the address or the visitor (no other index
        -- has those columns, so the planner cannot pick one that reads the link's whole day)
        -- and stops at its first match.
        SELECT c.*, coalesce(c.bot_reason, CASE WHEN c.earlier_by_address + (
                   SELECT count(*) FROM (  -- at most the limit: enough to decide, cheap to count
                       SELECT 1 FROM clicks p
                       WHERE p.tenant_id = $1::uuid AND p.address_key = c.address_key
                         AND p.created_at > c.at - $4::interval
                       LIMIT $3::int
                   ) recent
               ) >= $3::int THEN 'rate' END) AS reason,
               c.nth_by_visitor = 1 AND c.nth_by_browser = 1 AND NOT EXISTS (
                   SELECT 1 FROM clicks p
                   WHERE p.tenant_id = $1::uuid AND p.visitor_key = c.visitor_key
                     AND p.created_at > c.at - $5::interval
               ) AND NOT EXISTS (
                   SELECT 1 FROM clicks p
                   WHERE p.tenant_id = $1::uuid AND p.address_key = c.address_key
                     AND p.created_at > c.at - $5::interval
                     AND p.user_agent = c.user_agent
               ) AS is_unique
        FROM c
    ), stored AS (
        INSERT INTO clicks (id, tenant_id, link_id, affiliate_id, product_id, created_at, ip_hash,
                            visitor_hash, user_agent, referrer, country, is_bot, bot_reason,
                            is_unique)
        SELECT j.id, $1::uuid, j.link_id, l.affiliate_id, l.product_id, j.at, j.ip_hash,
               j.visitor, j.user_agent, j.referrer, j.country, j.reason IS NOT NULL, j.reason,
               j.is_unique
        FROM judged j JOIN links l ON l.tenant_id = $1::uuid AND l.id = j.link_id
        ON CONFLICT (tenant_id, id) DO NOTHING
        RETURNING affiliate_id, product_id, link_id, created_at, country, is_bot, is_unique
    ), late AS (  -- stored after their hour was rolled up ($6: the mark, locked; NULL: none)
        INSERT INTO click_hours (tenant_id, hour, link_id, country, affiliate_id, product_id,
                                 raw, clicks, uniq)
        SELECT $1::uuid, date_trunc('hour', created_at, 'UTC'), link_id, coalesce(country, ''),
               min(affiliate_id::text)::uuid, min(product_id::text)::uuid, count(*),
               count(*) FILTER (WHERE NOT is_bot),
               count(*) FILTER (WHERE is_unique AND NOT is_bot)
        FROM stored WHERE created_at < $6::timestamptz
        GROUP BY 2, link_id, 4
        ON CONFLICT (tenant_id, hour, link_id, country) DO UPDATE
        SET raw = click_hours.raw + excluded.raw,
            clicks = click_hours.clicks + excluded.clicks,
            uniq = click_hours.uniq + excluded.uniq
    ), per_link AS (
        SELECT affiliate_id, link_id, count(*) AS clicks,
               count(*) FILTER (WHERE NOT is_bot) AS human,
               count(*) FILTER (WHERE is_unique AND NOT is_bot) AS "unique"
        FROM stored GROUP BY affiliate_id, link_id
    )
    -- `click.recorded`: the batch's new clicks, one event per affiliate, on the affiliate's
    -- own topic (`core.outbox.user_topic`)
    INSERT INTO outbox_events (tenant_id, type, topics, data)
    SELECT $1::uuid, 'click.recorded', jsonb_build_array('user:' || affiliate_id),
           jsonb_build_object(
               'affiliate_id', affiliate_id, 'clicks', sum(clicks), 'human', sum(human),
               'unique', sum("unique"),
               'links', jsonb_agg(jsonb_build_object('link_id', link_id, 'clicks', clicks,
                                                     'human', human, 'unique', "unique")
                                  ORDER BY link_id))
    FROM per_link GROUP BY affiliate_id
"""  # noqa: S608 (what is put in: the columns' lengths, integers)
"""One tenant's clicks ($1: the tenant, $2: the lines, their texts cut to the columns' lengths),
announced per affiliate (`click.recorded`), those before the rollup mark $6 counted into their
hour (`insert_late_clicks`; tests/tracking/test_late_clicks.py),
judged by two rules given as parameters: `rules.RATE` ($3: its limit, $4: its window: a click
is `rate` when its address has clicked the link `limit` times within the window, pinned by
tests/tracking/test_redirect.py::test_impossible_rates_from_one_address_are_flagged and
::test_the_rate_rule_counts_the_clicks_of_every_process) and `rules.UNIQUE` ($5: its window: a
click is unique when neither its visitor nor its address and browser clicked the link within
the window, pinned by ::test_a_visitor_is_unique_once_per_link_and_day). The probes' cost is
pinned by tests/tracking/test_redirect_storage.py::
test_a_new_clicks_probes_read_little_however_many_clicks_its_link_has."""


async def link_counts(
    session: AsyncSession, link_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int]]:
    """Per link: (raw clicks, filtered clicks (no bot rule matched), unique human clicks:
    `rules.UNIQUE`), pinned by tests/tracking/test_redirect.py::
    test_bots_and_prefetches_are_kept_but_flagged."""
    rows = await session.execute(
        select(
            Click.link_id,
            func.count(),
            func.count().filter(Click.is_bot.is_(False)),
            func.count().filter(Click.is_bot.is_(False), Click.is_unique.is_(True)),
        )
        .where(Click.link_id.in_(link_ids))
        .group_by(Click.link_id)
    )
    return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}
