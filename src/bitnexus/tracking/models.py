"""Tracked links (an affiliate's short code for a product); tenant-owned like everything else."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class LinkStatus(StrEnum):
    active = "active"
    paused = "paused"  # redirects to the tenant's fallback page until resumed
    deleted = "deleted"  # for good; redirects to the fallback page


class BotReason(StrEnum):
    """The bot rules a stored click may name (`rules.py` says what each means)."""

    user_agent = "user_agent"
    no_user_agent = "no_user_agent"
    head = "head"
    prefetch = "prefetch"
    rate = "rate"


class Link(Base):
    """`code` is random and unique across all tenants (so `/r/{code}` needs no tenant); an
    alias is the affiliate's own word, unique within the tenant (`/r/{slug}/{alias}`)."""

    __tablename__ = "links"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),  # unique across organisations: `LinkCode`
        ForeignKeyConstraint(["tenant_id", "affiliate_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        CheckConstraint("status IN ('active', 'paused', 'deleted')", name="status_known"),
        CheckConstraint("code ~ '^[A-Za-z0-9]{10,16}$'", name="code_format"),
        CheckConstraint("alias ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'", name="alias_format"),
        Index(
            "ix_links_tenant_id_alias",
            "tenant_id",
            "alias",
            unique=True,
            postgresql_where=text("alias IS NOT NULL"),
        ),
        Index(
            "ix_links_tenant_id_affiliate_id_created_at_id",
            "tenant_id",
            "affiliate_id",
            "created_at",
            "id",
        ),
        Index("ix_links_tenant_id_product_id", "tenant_id", "product_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    code: Mapped[str] = mapped_column(String(16))
    alias: Mapped[str | None] = mapped_column(String(40))
    destination: Mapped[str] = mapped_column(String(2000))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    utm_content: Mapped[str | None] = mapped_column(String(100))
    utm_term: Mapped[str | None] = mapped_column(String(100))
    sub_ids: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Click(Base):
    """One visit through a link, kept whatever it was (raw); `is_bot` marks what the filtered
    counts leave out and `bot_reason` says which rule did. No raw IP: `ip_hash` is a keyed hash
    with a salt that changes daily (and is then deleted)."""

    __tablename__ = "clicks"
    # No foreign keys: checking them for every stored click cost more than the rest of its
    # insert. Its link and tenant are kept by construction instead (migration 0026): neither
    # is ever deleted, their keys never change, and the insert joins the link.
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        CheckConstraint(
            f"bot_reason IN ({', '.join(repr(r.value) for r in BotReason)})",
            name="bot_reason_known",
        ),
        CheckConstraint("is_bot = (bot_reason IS NOT NULL)", name="bot_has_reason"),
        Index("ix_clicks_tenant_id_link_id_created_at", "tenant_id", "link_id", "created_at"),
        Index(
            "ix_clicks_tenant_id_affiliate_id_created_at", "tenant_id", "affiliate_id", "created_at"
        ),
        # the unique and `rate` probes (tracking.repository): keyed so no other index fits them
        Index(
            "ix_clicks_tenant_id_visitor_key_created_at", "tenant_id", "visitor_key", "created_at"
        ),
        Index(
            "ix_clicks_tenant_id_address_key_created_at", "tenant_id", "address_key", "created_at"
        ),
        Index(
            "ix_clicks_tenant_id_visitor_hash_created_at", "tenant_id", "visitor_hash", "created_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()  # the `bnx_cid` handed to the vendor
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    link_id: Mapped[uuid.UUID] = mapped_column()
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()
    ip_hash: Mapped[bytes] = mapped_column(LargeBinary)
    visitor_hash: Mapped[bytes] = mapped_column(LargeBinary)
    # the link with the visitor, and with the address: 16 bytes of SHA-256, kept by PostgreSQL
    visitor_key: Mapped[bytes] = mapped_column(
        LargeBinary, Computed("bitnexus_click_key(link_id, visitor_hash)", persisted=True)
    )
    address_key: Mapped[bytes] = mapped_column(
        LargeBinary, Computed("bitnexus_click_key(link_id, ip_hash)", persisted=True)
    )
    user_agent: Mapped[str] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    country: Mapped[str | None] = mapped_column(String(2))
    is_bot: Mapped[bool] = mapped_column()
    bot_reason: Mapped[str | None] = mapped_column(String(16))
    is_unique: Mapped[bool] = mapped_column()


def max_chars(column: ColumnElement[Any]) -> int:
    """The most characters a `String(n)` column holds: what a click's text is cut to before it
    is spooled (`recorder.codec.fit`) and again where it is stored (`repository.INSERT_CLICKS`)."""
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} has no length")
    return kind.length


class LinkCode(Base):
    """Which organisation and link a code belongs to: the one lookup the public redirect makes
    before it knows the organisation (`bitnexus_link_tenant`), and what keeps codes unique
    across organisations. A trigger on `links` writes it (migration 0047); keyed by the code
    alone, it is distributed by code, not by tenant (docs/scaling.md)."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    link_id: Mapped[uuid.UUID] = mapped_column()


class ClickSalt(Base):
    """The day's secret salt for hashing visitor IPs; salts older than two days are deleted,
    after which that day's hashes can no longer be linked to an address."""

    __tablename__ = "click_salts"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)


class ClickHour(Base):
    """Clicks counted per hour (UTC), link and country ('' when unknown), rolled up from
    `clicks` by the rollup job once the hour is settled; dashboards read these for settled hours
    and raw clicks after them."""

    __tablename__ = "click_hours"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "link_id"], ["links.tenant_id", "links.id"]),
        Index("ix_click_hours_tenant_id_affiliate_id_hour", "tenant_id", "affiliate_id", "hour"),
        Index("ix_click_hours_tenant_id_product_id_hour", "tenant_id", "product_id", "hour"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    hour: Mapped[dt.datetime] = mapped_column(primary_key=True)
    link_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True, server_default="")
    affiliate_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    raw: Mapped[int] = mapped_column()
    clicks: Mapped[int] = mapped_column()  # without bots
    uniq: Mapped[int] = mapped_column()


class ClickRollup(Base):
    """How far a tenant's clicks are rolled up into `click_hours` (exclusive, on the hour)."""

    __tablename__ = "click_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    rolled_until: Mapped[dt.datetime | None] = mapped_column()  # None: nothing rolled up yet
