"""Cross-origin requests (CORS) from the web app served on an origin of its own: an allow-list
of exact origins, credentials for them only, preflights answered here."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bitnexus.core.http import header

# what the web app sends: its token, JSON bodies, a request id to quote in support requests
ALLOW_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = b"authorization, content-type, idempotency-key, x-request-id"
# what the web app reads of an answer beyond the CORS-safelisted headers
EXPOSE_HEADERS = b"content-disposition, location, retry-after, x-request-id"
MAX_AGE = b"600"  # seconds a browser may reuse a preflight's answer


def own_origin(origin: str, host: str | None, public_url: str) -> bool:
    """Whether `origin` is this server's own: the public URL's, or the host the request was
    sent to (a proxy may terminate TLS: the scheme is not compared then)."""
    public = urlsplit(public_url.lower())
    if origin == f"{public.scheme}://{public.netloc}":
        return True
    return host is not None and urlsplit(origin).netloc == host.lower()


def trusted_origin(
    origin: str | None, host: str | None, *, allowed: Collection[str], public_url: str
) -> bool:
    """Whether a request from `origin` may act with the caller's cookies: no Origin (not a
    browser's cross-site request), a listed one, or this server's own."""
    if origin is None:
        return True
    return origin in allowed or own_origin(origin, host, public_url)


class Cors:
    """Answers a listed origin's preflight itself and adds `Access-Control-Allow-Origin` (with
    credentials) to every answer to a listed origin, errors included; an unlisted origin gets
    no CORS header, so its pages cannot read the answer. It sits behind the redirects'
    answerer (tracking.api.RedirectsFirst): a click never passes here."""

    def __init__(self, app: ASGIApp, origins: Collection[str]) -> None:
        self.app = app
        self.origins = frozenset(o.encode() for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the socket authenticates by a message, never a cookie
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        origin = header(headers, b"origin")
        if origin not in self.origins:
            await self.app(scope, receive, _varying(send))
            return
        assert origin is not None
        if scope["method"] == "OPTIONS" and header(headers, b"access-control-request-method"):
            await _preflight(origin, send)
            return
        granted = _granted(origin)

        async def send_granted(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                # a route that answers CORS itself (browser sale reports) has the last word
                decided = header(own, b"access-control-allow-origin") is not None
                message["headers"] = with_vary(own if decided else [*own, *granted])
            await send(message)

        await self.app(scope, receive, send_granted)


def _granted(origin: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", EXPOSE_HEADERS),
    ]


async def _preflight(origin: bytes, send: Send) -> None:
    headers = [
        *_granted(origin)[:2],
        (b"access-control-allow-methods", ALLOW_METHODS),
        (b"access-control-allow-headers", ALLOW_HEADERS),
        (b"access-control-max-age", MAX_AGE),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _varying(send: Send) -> Send:
    """`send`, with `Vary: Origin` on the answer: a cache must not hand an answer made for no
    origin (or another one) to a listed origin's page, which would find no CORS header."""

    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = with_vary(list(message.get("headers", [])))
        await send(message)

    return send_varying


def with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with `Origin` among the ones its `Vary` names (one `Vary` header)."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            if b"origin" not in value.lower():
                headers[i] = (name, value + b", Origin")
            return headers
    headers.append((b"vary", b"Origin"))
    return headers
