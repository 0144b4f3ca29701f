"""`/r/{code}` and `/r/{slug}/{alias}`: where a link sends its visitor, and the click it leaves.

A live link (active, to an approved or re-vetted product) answers 302 to its destination with
the click id (`bnx_cid`), the link's UTMs (unless the destination already has them) and its
sub-IDs (`bnx_sub1`…) added, once the recorder has the click durably (`Recorder.record`).
A paused or deleted link, or one to a rejected or archived product, answers 302 to the
tenant's fallback page; an unknown code, to the app's "link not found" page. Never an error
page for a visitor: while the database cannot be reached, a link answers with the target its
process last read (`LinkResolver`), and its clicks wait in the recorder's spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import iptocc
import orjson
import pycountry
import structlog
from starlette.requests import cookie_parser
from starlette.types import Scope

from bitnexus.catalog.models import ProductStatus
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.ids import uuid7
from bitnexus.core.lastknown import LastKnown
from bitnexus.core.outage import unreachable
from bitnexus.core.redis import Shared, Unavailable
from bitnexus.tenants import service as tenants
from bitnexus.tracking import repository
from bitnexus.tracking.models import LinkStatus
from bitnexus.tracking.rules import PREFETCH_HEADERS, bot_reason
from bitnexus.tracking.visitors import Visit

log = structlog.get_logger(__name__)

VISITOR_COOKIE = "bnx_vid"
VISITOR_COOKIE_SECONDS = 365 * 86_400
CLICK_COOKIE = "bnx_cid"
NOT_FOUND_PAGE = "/link-not-found"
LIVE_PRODUCT = {ProductStatus.approved, ProductStatus.pending}  # pending: an edit being vetted


class Recorder(Protocol):
    """Where a redirect hands its click: `record` returns once the click is durable;
    `record_soon`'s future is done then (None: it cannot take the click without waiting)."""

    async def record(self, visit: Visit) -> None: ...

    def record_soon(self, visit: Visit) -> asyncio.Future[None] | None: ...


@dataclass(frozen=True, slots=True)
class Target:
    tenant_id: uuid.UUID
    link_id: uuid.UUID
    live: bool
    destination: str  # with UTMs and sub-IDs, without the click id
    fallback: str
    cookie_days: int


class LinkResolver:
    """What a link code or alias leads to, remembered for `link_cache_seconds`. When that is on,
    the visits that find a key missing or expired at once share one lookup, so a busy link's
    entry expiring sends one query to the database, not one per visit in flight.

    While the database cannot be reached (`core.outage.unreachable`), a link answers with the
    target this process last read for it, if read within `link_outage_seconds`, kept for the
    `link_outage_links` most recently clicked links; a key with none answers as an unknown code
    does. What a failed lookup answered is remembered like a read one, so an outage costs one
    attempt per key and cache time, not one per visit.

    With Redis (`shared`), a miss here looks in a cache the processes share before the
    database (docs/redis.md): what another process read, trusted for what is left of its
    cache time."""

    def __init__(self, db: Database, settings: Settings, shared: Shared | None = None) -> None:
        self._db = db
        self._ttl = settings.link_cache_seconds
        self._app = app_pages(settings)
        self._shared = shared if shared is not None and shared.configured else None
        self._bypass_until = 0.0  # until then, read the database over Redis (`forget`)
        self._cache: dict[tuple[str, ...], tuple[float, Target | None]] = {}
        self._loading: dict[tuple[str, ...], asyncio.Future[Target | None]] = {}
        self._last_known: LastKnown[tuple[str, ...], Target] = LastKnown(
            max_entries=settings.link_outage_links, max_age=settings.link_outage_seconds
        )
        self._down_since: float | None = None  # when a lookup first found the database gone

    async def resolve(self, *key: str) -> Target | None:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        if self._ttl <= 0:
            return await self._read(key)
        loading = self._loading.get(key)
        if loading is None:
            loading = asyncio.ensure_future(self._load_and_keep(key, now))
            self._loading[key] = loading
            loading.add_done_callback(lambda _: self._loading.pop(key, None))
        return await asyncio.shield(loading)  # a visitor who leaves cancels no one else's wait

    def cached(self, *key: str) -> Target | None:
        """`key`'s target if this process has it in its cache, unexpired (None: not known)."""
        hit = self._cache.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    async def forget(self) -> None:
        """Forget every entry: a link changed (paused, resumed, deleted). Other processes see
        the change when their entries expire. With Redis, this process reads the database
        (writing what it read over Redis's entries) until every entry Redis had has expired."""
        self._cache.clear()
        self._bypass_until = time.monotonic() + self._ttl

    async def _load_and_keep(self, key: tuple[str, ...], now: float) -> Target | None:
        target, ttl = await self._shared_or_read(key)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = (now + ttl, target)
        return target

    async def _shared_or_read(self, key: tuple[str, ...]) -> tuple[Target | None, float]:
        """`key`'s target and how long to trust it: from the cache the processes share, where
        one of them read it less than the cache time ago (trusted for what is left of that
        time, so no process answers from a read older than the cache time), else read."""
        if self._shared is None:
            return await self._read(key), self._ttl
        shared_key = self._shared.key("link", orjson.dumps(key).decode())
        if self._bypass_until <= time.monotonic():
            try:
                value, left = await self._shared.get_with_ttl("links", shared_key)
            except Unavailable:
                return await self._read(key), self._ttl
            if value is not None and left > 0:
                return _decoded(value), min(left, self._ttl)
        target = await self._read(key)
        if self._down_since is None:  # read from the database, not remembered from before
            with contextlib.suppress(Unavailable):
                await self._shared.put("links", shared_key, _encoded(target), self._ttl)
        return target, self._ttl

    async def _read(self, key: tuple[str, ...]) -> Target | None:
        """`key`'s target as the database has it, else (it cannot be reached) as last read."""
        try:
            target = await self._load(key)
        except Exception as error:
            if not unreachable(error):
                raise
            if self._down_since is None:  # once per outage, not once per visit
                self._down_since = time.monotonic()
                log.warning("links.database_unreachable", error=repr(error))
            return self._last_known.get(key)
        if self._down_since is not None:
            down = time.monotonic() - self._down_since
            self._down_since = None
            log.warning("links.database_reachable", after_seconds=round(down, 1))
        if target is None:
            self._last_known.drop(key)
        else:
            self._last_known.keep(key, target)
        return target

    async def _load(self, key: tuple[str, ...]) -> Target | None:
        async with self._db.sessionmaker() as session, session.begin():
            if len(key) == 1:
                tenant_id = await repository.tenant_of_code(session, key[0])
                if tenant_id is None:
                    return None
                await set_tenant(session, tenant_id)
                found = await repository.link_target(session, code=key[0])
            else:
                tenant_id = await tenants.id_of_slug(session, key[0])
                if tenant_id is None:
                    return None
                await set_tenant(session, tenant_id)
                found = await repository.link_target(session, alias=key[1])
        if found is None:
            return None
        link, product, tenant = found
        return Target(
            tenant_id=tenant.id,
            link_id=link.id,
            live=link.status == LinkStatus.active and product.status in LIVE_PRODUCT,
            destination=_with_params(
                link.destination,
                {
                    **{
                        f"utm_{k}": v
                        for k, v in (
                            ("source", link.utm_source),
                            ("medium", link.utm_medium),
                            ("campaign", link.utm_campaign),
                            ("content", link.utm_content),
                            ("term", link.utm_term),
                        )
                        if v
                    },
                    **{f"bnx_sub{i}": s for i, s in enumerate(link.sub_ids, start=1)},
                },
            ),
            fallback=tenant.fallback_url or f"{self._app}/t/{tenant.slug}/unavailable",
            cookie_days=product.cookie_days or tenant.default_cookie_days,
        )


def app_pages(settings: Settings) -> str:
    """What the web app's pages' paths are prefixed with in a `Location`: nothing when this
    server serves them, else the app's own origin (`BITNEXUS_APP_URL`)."""
    return settings.app_url if settings.app_public_url else ""


def _encoded(target: Target | None) -> bytes:
    if target is None:
        return b"null"
    t = target
    return orjson.dumps(
        [str(t.tenant_id), str(t.link_id), t.live, t.destination, t.fallback, t.cookie_days]
    )


def _decoded(value: bytes) -> Target | None:
    fields = orjson.loads(value)
    if fields is None:
        return None
    tenant_id, link_id, live, destination, fallback, cookie_days = fields
    return Target(
        uuid.UUID(tenant_id), uuid.UUID(link_id), live, destination, fallback, cookie_days
    )


def _with_params(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to its query, keeping any the URL already sets."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    query += [(k, v) for k, v in params.items() if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True, slots=True)
class Arrival:
    """What a redirect reads of its request, taken from the ASGI scope in one pass."""

    method: str
    ip: str
    headers: dict[str, str]  # only the ones a redirect reads, names in lower case

    @classmethod
    def of(cls, scope: Scope, country_header: str | None) -> Arrival:
        return cls.read(scope["method"], scope["headers"], scope.get("client"), country_header)

    @classmethod
    def read(
        cls,
        method: str,
        raw_headers: Iterable[tuple[bytes, bytes]],  # names in lower case (as servers give)
        client: tuple[str, int] | None,
        country_header: str | None,
    ) -> Arrival:
        wanted = _wanted(country_header)
        headers = {}
        for name, value in raw_headers:
            if name in wanted:
                headers[name.decode("latin-1")] = value.decode("latin-1")
        return cls(method, client[0] if client else "", headers)


@functools.cache
def _wanted(country_header: str | None) -> frozenset[bytes]:
    """The headers a redirect reads: the bot rules', the visitor's, the country's."""
    read = {b"user-agent", b"referer", b"cookie", *(h.encode() for h in PREFETCH_HEADERS)}
    if country_header:
        read.add(country_header.lower().encode("latin-1"))
    return frozenset(read)


def _country(headers: Mapping[str, str], header: str | None, ip: str) -> str | None:
    """The visitor's country (ISO 3166 alpha-2): from the header of the trusted proxy in front
    when one is configured (the address is then the proxy's), else looked up offline from the
    address (the country a Regional Internet Registry assigned its block to, from `iptocc`'s
    bundled data: no network, no account). None when unknown (private ranges, `XX`, `T1`)."""
    if header is not None:
        code = headers.get(header.lower(), "").strip().upper()
    else:
        code = (iptocc.country_code(ip) if ip else None) or ""
    return code if len(code) == 2 and _is_country(code) else None


@functools.lru_cache(maxsize=512)  # there are fewer than 300 codes
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def _cookie(name: str, value: str, max_age: int, secure: bool) -> tuple[bytes, bytes]:
    flags = "; Secure" if secure else ""
    return b"set-cookie", (
        f"{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=lax{flags}".encode()
    )


def _redirect(location: str, *cookies: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    """The headers of a 302 to `location` (setting `cookies`)."""
    return [
        (b"location", location.encode()),
        (b"cache-control", b"no-store"),
        (b"referrer-policy", b"no-referrer-when-downgrade"),
        (b"content-length", b"0"),
        *cookies,
    ]


def _with_click(destination: str, click: str) -> str:
    """The destination with `bnx_cid` added to its query (before any #fragment)."""
    base, hash_, fragment = destination.partition("#")
    return f"{base}{'&' if '?' in base else '?'}bnx_cid={click}{hash_}{fragment}"


async def follow(
    arrival: Arrival,
    key: tuple[str, ...],
    *,
    resolver: LinkResolver,
    recorder: Recorder,
    settings: Settings,
) -> list[tuple[bytes, bytes]]:
    """Where the link `key` sends this visitor: the headers of the 302 (its click recorded)."""
    target = await resolver.resolve(*key)
    if target is None:
        return _redirect(app_pages(settings) + NOT_FOUND_PAGE)
    if not target.live:
        return _redirect(target.fallback)
    visit, answer = click(arrival, target, settings)
    try:
        await recorder.record(visit)
    except Exception:  # the visitor still gets where they were going; the loss is logged
        log.error("click.lost", link_id=str(target.link_id), click_id=str(visit.id))
    return answer


def follow_soon(
    arrival: Arrival,
    key: tuple[str, ...],
    *,
    resolver: LinkResolver,
    recorder: Recorder,
    settings: Settings,
) -> tuple[asyncio.Future[None], list[tuple[bytes, bytes]]] | None:
    """`follow` without waiting, for a live link this process has cached: the future done once
    the click is recorded, and the 302's headers to give then. None when it would have to wait
    (the link not cached, the day's salt not known yet) or the link is not live: `follow`."""
    target = resolver.cached(*key)
    if target is None or not target.live:
        return None
    visit, answer = click(arrival, target, settings)
    recorded = recorder.record_soon(visit)
    if recorded is None:
        return None
    recorded.add_done_callback(functools.partial(_lost_if_failed, visit))
    return recorded, answer


def _lost_if_failed(visit: Visit, recorded: asyncio.Future[None]) -> None:
    if recorded.cancelled() or recorded.exception() is not None:
        log.error("click.lost", link_id=str(visit.link_id), click_id=str(visit.id))


def click(
    arrival: Arrival, target: Target, settings: Settings
) -> tuple[Visit, list[tuple[bytes, bytes]]]:
    """The click a visit to a live link makes, and the headers of its 302 (the click id in the
    destination and its cookie, the visitor's cookie when new)."""
    click_id = uuid7()  # time-ordered: a sale can tell a click too young to be stored yet
    headers = arrival.headers
    known = cookie_parser(headers.get("cookie", "")).get(VISITOR_COOKIE, "")
    visitor = known if 16 <= len(known) <= 64 and known.isalnum() else secrets.token_hex(16)
    visit = Visit(
        id=click_id,
        tenant_id=target.tenant_id,
        link_id=target.link_id,
        at=utcnow(),
        ip=arrival.ip,
        visitor_id=visitor,
        user_agent=headers.get("user-agent", ""),
        referrer=headers.get("referer"),
        country=_country(headers, settings.country_header, arrival.ip),
        bot_reason=bot_reason(arrival.method, headers),
    )
    secure = settings.base_url.startswith("https://")
    cid = click_id.hex
    cookies = [_cookie(CLICK_COOKIE, cid, target.cookie_days * 86_400, secure)]
    if visitor != known:
        cookies.append(_cookie(VISITOR_COOKIE, visitor, VISITOR_COOKIE_SECONDS, secure))
    return visit, _redirect(_with_click(target.destination, cid), *cookies)
