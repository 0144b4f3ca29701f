"""Tracked links: an affiliate's short code for an approved product, its QR code, pause/resume.

A link's code is 12 random base62 characters (about 71 bits), unique across all tenants, so
`/r/{code}` needs no tenant in the address; an alias is unique within the tenant and lives at
`/r/{slug}/{alias}`. A deep link may point anywhere on the product's site: the landing page's
scheme and port, on its host or one of its subdomains.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import string
import uuid
from typing import Literal
from urllib.parse import urlsplit

import segno
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.catalog import service as catalog
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.catalog.models import Product, ProductStatus
from bitnexus.core.db import utcnow
from bitnexus.core.errors import FieldError, Forbidden, InvalidInput
from bitnexus.core.schemas import decode_keys, encode_keys
from bitnexus.tracking import repository
from bitnexus.tracking.errors import AliasTaken, LinkDeleted, LinkNotFound
from bitnexus.tracking.models import Link, LinkStatus
from bitnexus.tracking.schemas import ClickCounts, LinkCreate, LinkPage, LinkRead, LinkUpdate

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 12
# a drawn code already taken: in this organisation, or in another (`link_codes`, migration 0047)
CODE_KEYS = ("uq_links_tenant_id_code", "pk_link_codes")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


DEFAULT_PORTS = {"http": 80, "https": 443}


def web_origin(url: str) -> tuple[str, str, int] | None:
    """A URL's origin (RFC 6454): scheme, host and port, the scheme's default port filled in;
    None for what has none (`null`, no host, a scheme other than http(s), a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, DEFAULT_PORTS[scheme] if port is None else port


def on_site(url: str, landing: str) -> bool:
    """Whether `url` is on the product's site: the landing page's scheme and port, on its host
    or a subdomain of it (an `http://` page is not on an `https://` product's site)."""
    here, home = web_origin(url), web_origin(landing)
    if here is None or home is None:
        return False
    (scheme, host, port), (home_scheme, home_host, home_port) = here, home
    same_host = host == home_host or host.endswith("." + home_host)
    return scheme == home_scheme and port == home_port and same_host


async def create(
    session: AsyncSession, principal: Principal, body: LinkCreate, *, base_url: str
) -> LinkRead:
    if principal.role is not Role.affiliate:
        raise Forbidden("Only affiliates make tracked links.")
    product = await catalog.product(session, body.product_id)
    if product is None or product.status != ProductStatus.approved:
        raise ProductNotFound(errors=[FieldError("product_id", "No approved product.")])
    destination = str(body.deep_link) if body.deep_link else product.landing_url
    if not on_site(destination, product.landing_url):
        raise InvalidInput("deep_link", "Use a page on the product's site.")
    now = utcnow()
    for _ in range(3):  # a code collision is astronomically rare; an alias clash is not
        link = Link(
            id=uuid.uuid4(),
            tenant_id=principal.tenant.id,
            affiliate_id=principal.user.id,
            product_id=product.id,
            code=new_code(),
            alias=body.alias,
            destination=destination,
            utm_source=body.utm_source,
            utm_medium=body.utm_medium,
            utm_campaign=body.utm_campaign,
            utm_content=body.utm_content,
            utm_term=body.utm_term,
            sub_ids=body.sub_ids,
            status=LinkStatus.active,
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(link)
                await session.flush()
        except IntegrityError as exc:
            if "ix_links_tenant_id_alias" in str(exc.orig):
                raise AliasTaken(
                    f"The alias '{body.alias}' is taken in this program.",
                    errors=[FieldError("alias", "Already taken.")],
                ) from exc
            if not any(key in str(exc.orig) for key in CODE_KEYS):
                raise
            continue
        return _read(principal, link, product, base_url)
    raise RuntimeError("could not draw a free link code")


async def _owned(
    session: AsyncSession, principal: Principal, link_id: uuid.UUID, *, lock: bool = False
) -> Link:
    """A link its affiliate (or a tenant admin) may see and change."""
    stmt = select(Link).where(Link.id == link_id)
    if lock:
        stmt = stmt.with_for_update()
    link = (await session.execute(stmt)).scalar_one_or_none()
    if link is None or (
        principal.restricted_to is not None and link.affiliate_id != principal.restricted_to
    ):
        raise LinkNotFound()
    return link


async def get(
    session: AsyncSession, principal: Principal, link_id: uuid.UUID, *, base_url: str
) -> LinkRead:
    link = await _owned(session, principal, link_id)
    return await _read_one(session, principal, link, base_url)


async def set_status(
    session: AsyncSession,
    principal: Principal,
    link_id: uuid.UUID,
    body: LinkUpdate,
    *,
    base_url: str,
) -> LinkRead:
    """Pause or resume a link (its affiliate, or an admin)."""
    link = await _owned(session, principal, link_id, lock=True)
    if link.status == LinkStatus.deleted:
        raise LinkDeleted("The link is deleted; make a new one.")
    link.status = body.status
    link.updated_at = utcnow()
    await session.flush()
    return await _read_one(session, principal, link, base_url)


async def delete(
    session: AsyncSession, principal: Principal, link_id: uuid.UUID, *, base_url: str
) -> LinkRead:
    """Delete a link for good: it keeps redirecting, to the fallback page. Twice is harmless."""
    link = await _owned(session, principal, link_id, lock=True)
    if link.status != LinkStatus.deleted:
        link.status = LinkStatus.deleted
        link.updated_at = utcnow()
        await session.flush()
    return await _read_one(session, principal, link, base_url)


async def listed(
    session: AsyncSession,
    principal: Principal,
    *,
    product_id: uuid.UUID | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    base_url: str,
) -> LinkPage:
    """Your links, newest first (tenant admins: everyone's)."""
    stmt = select(Link, Product).join(
        Product, (Product.tenant_id == Link.tenant_id) & (Product.id == Link.product_id)
    )
    if principal.restricted_to is not None:
        stmt = stmt.where(Link.affiliate_id == principal.restricted_to)
    if product_id is not None:
        stmt = stmt.where(Link.product_id == product_id)
    if not include_deleted:
        stmt = stmt.where(Link.status != LinkStatus.deleted)
    after = decode_keys(cursor, expect=(dt.datetime, uuid.UUID))
    if after is not None:
        stmt = stmt.where(tuple_(Link.created_at, Link.id) < tuple_(*after))
    stmt = stmt.order_by(Link.created_at.desc(), Link.id.desc()).limit(limit + 1)
    rows = [(r[0], r[1]) for r in await session.execute(stmt)]
    page = rows[:limit]
    next_cursor = encode_keys(page[-1][0].created_at, page[-1][0].id) if len(rows) > limit else None
    counts = await repository.link_counts(session, [link.id for link, _ in page])
    return LinkPage(
        items=[
            _read(principal, link, product, base_url, counts.get(link.id, (0, 0, 0)))
            for link, product in page
        ],
        next_cursor=next_cursor,
    )


async def qr(
    session: AsyncSession,
    principal: Principal,
    link_id: uuid.UUID,
    *,
    kind: Literal["svg", "png"],
    scale: int,
    base_url: str,
) -> bytes:
    """The link's short address as a QR code in the tenant's brand colour."""
    link = await _owned(session, principal, link_id)
    code = segno.make(f"{base_url}/r/{link.code}", error="m")
    out = io.BytesIO()
    code.save(out, kind=kind, scale=scale, border=2, dark=principal.tenant.brand_color)
    return out.getvalue()


async def _read_one(
    session: AsyncSession, principal: Principal, link: Link, base_url: str
) -> LinkRead:
    product = await catalog.product(session, link.product_id)
    if product is None:
        raise LinkNotFound()
    counts = await repository.link_counts(session, [link.id])
    return _read(principal, link, product, base_url, counts.get(link.id, (0, 0, 0)))


async def promoted_products(session: AsyncSession, affiliate_id: uuid.UUID) -> list[uuid.UUID]:
    """The products an affiliate has a live (active or paused) link to."""
    return await repository.promoted_products(session, affiliate_id)


def _read(
    principal: Principal,
    link: Link,
    product: Product,
    base_url: str,
    counts: tuple[int, int, int] = (0, 0, 0),
) -> LinkRead:
    slug = principal.tenant.slug
    return LinkRead(
        id=link.id,
        affiliate_id=link.affiliate_id,
        product_id=link.product_id,
        product_title=product.title,
        product_status=product.status,
        code=link.code,
        alias=link.alias,
        short_url=f"{base_url}/r/{link.code}",
        alias_url=f"{base_url}/r/{slug}/{link.alias}" if link.alias else None,
        destination=link.destination,
        utm_source=link.utm_source,
        utm_medium=link.utm_medium,
        utm_campaign=link.utm_campaign,
        utm_content=link.utm_content,
        utm_term=link.utm_term,
        sub_ids=list(link.sub_ids),
        status=LinkStatus(link.status),
        clicks=ClickCounts(raw=counts[0], filtered=counts[1], unique=counts[2]),
        created_at=link.created_at,
        updated_at=link.updated_at,
    )
