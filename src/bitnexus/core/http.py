"""HTTP plumbing: problem+json rendering, request logging, security headers, body limits."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bitnexus.core.errors import (
    PROBLEM_JSON,
    BitnexusError,
    DatabaseUnavailable,
    FieldError,
    problem_body,
)
from bitnexus.core.metrics import requests as request_metrics
from bitnexus.core.outage import RETRY_AFTER_SECONDS, OutageLog, unavailable_cause

log = structlog.get_logger("bitnexus.http")
_access_log = logging.getLogger("bitnexus.http")  # what `log` writes through

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI boots from one inline script; only the docs page gets that allowance.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
_CSP, _DOCS_CSP = CSP.encode(), DOCS_CSP.encode()
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

# One year, this host only: a browser that saw it over https never tries plain http again.
HSTS = (b"strict-transport-security", b"max-age=31536000")


def problem_response(
    status: int,
    title: str,
    detail: str | None,
    *,
    type_slug: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(
        status,
        title,
        detail,
        type_slug=type_slug,
        errors=errors or [],
        instance=instance,
        extra=extra,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_of(error: Any) -> str:
    """The dotted field name of a validation error; "body" when the body as a whole is bad."""
    if error.get("type") == "json_invalid":
        return "body"
    parts = [str(p) for p in error.get("loc", ())]
    if len(parts) > 1 and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts)


async def _bitnexus_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BitnexusError)
    return problem_response(
        exc.status,
        exc.title,
        exc.detail,
        type_slug=exc.type_slug,
        errors=exc.errors,
        headers=exc.headers,
        instance=request.url.path,
        extra=exc.extra,
    )


# pydantic prefixes what a validator raised with the exception's kind: the reader wants the rule
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message_of(error: Any) -> str:
    message = str(error.get("msg", "Invalid value."))
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(_field_of(e), _message_of(e)) for e in exc.errors()]
    return problem_response(
        422,
        "Invalid input",
        "The request has invalid fields.",
        type_slug="validation",
        errors=errors,
        instance=request.url.path,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
    title = titles.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # The router names the methods of the first route of the path it tried; a path served
        # by several routes (GET, PATCH and DELETE of one link) allows all of theirs.
        headers["Allow"] = ", ".join(allowed_methods(request.app.router, request.scope["path"]))
    return problem_response(
        exc.status_code, title, detail, headers=headers, instance=request.url.path
    )


# the errors a lost database surfaces as (`core.outage` tells which of them mean that)
DATABASE_ERRORS = (
    SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After when the database cannot be reached, counted into the outage log
    instead of a traceback per request; any other database error goes on to the 500 handler."""
    cause = unavailable_cause(exc)
    if cause is None:
        raise exc
    outage: OutageLog = request.app.state.database_outage
    outage.refused(cause)
    return await _bitnexus_error(request, DatabaseUnavailable(RETRY_AFTER_SECONDS))


def routes_matching(router: Router, path: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """The routes (included routers' too, in the router's order) whose path pattern matches
    `path`, whatever their methods, each with its path parameters."""
    for route in iter_route_contexts(router.routes):
        regex: re.Pattern[str] | None = getattr(route, "path_regex", None)
        found = regex.match(path) if regex is not None else None
        if found:
            yield route, found.groupdict()


def allowed_methods(router: Router, path: str) -> list[str]:
    methods: set[str] = set()
    for route, _ in routes_matching(router, path):
        methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled_error", path=request.url.path)
    return problem_response(
        500,
        "Internal server error",
        "Something went wrong on our side; it has been logged.",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BitnexusError, _bitnexus_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.state.database_outage = OutageLog()
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unhandled_error)


def header(raw: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The value of header `name` (lower case) in an ASGI scope's raw headers, if sent."""
    for key, value in raw:
        if key == name:
            return value
    return None


def request_id_of(raw_headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's `X-Request-ID` (at most 64 characters), else a new one (128 random bits
    in hex, as a UUID's hex without building one)."""
    for name, value in raw_headers:
        if name == b"x-request-id":
            return value.decode("latin-1")[:64] or os.urandom(16).hex()
    return os.urandom(16).hex()


REDIRECTS = frozenset({301, 302, 303, 307, 308})


def context_headers(path: str, request_id: str, status: int) -> list[tuple[bytes, bytes]]:
    """The headers an answer carries: the request id, and for all but a redirect the security
    headers and the CSP. Those govern a document, and a browser renders no redirect: it goes on
    to the next address, whose own answer sets the policies of what it shows. (Sending them
    cost about a tenth of a redirect's CPU in the server: docs/marketplace.md.)"""
    request = (b"x-request-id", request_id.encode())
    if status in REDIRECTS:
        return [request]
    return [
        *SECURITY_HEADERS,
        (b"content-security-policy", _DOCS_CSP if path == "/api/docs" else _CSP),
        request,
    ]


def request_started(scope: Scope) -> tuple[float, str]:
    """Open a request's log context: when it started and its id, bound to every line it logs
    (and nothing left of the previous request's)."""
    started = time.perf_counter()
    request_id = request_id_of(scope["headers"])
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return started, request_id


def with_context(
    headers: list[tuple[bytes, bytes]], path: str, request_id: str, status: int
) -> list[tuple[bytes, bytes]]:
    """An answer's headers and the context headers (`context_headers`) it does not set itself:
    a redirect's own `referrer-policy` is the one that counts (two would make browsers use the
    last)."""
    own = {name for name, _ in headers}
    context = context_headers(path, request_id, status)
    return [*headers, *(h for h in context if h[0] not in own)]


def log_request(
    scope: Scope, status: int, started: float, *, request_id: str | None = None
) -> None:
    """A request answered: its metrics, and its access log line (nothing to build when INFO is
    off: the redirects' benchmarks and busy deployments run at WARNING). `request_id`: for an
    answer given outside a request's log context (`core.early`)."""
    elapsed = time.perf_counter() - started
    request_metrics.observe(scope, status, elapsed)
    if not _access_log.isEnabledFor(logging.INFO):
        return
    route = scope.get("route")
    log.info(
        "http.request",
        method=scope["method"],
        path=scope["path"],
        route=getattr(route, "path", None),
        status=status,
        duration_ms=round(elapsed * 1000, 2),
        **({} if request_id is None else {"request_id": request_id}),
    )


class RequestContextMiddleware:
    """Request id, one access log line per request, security headers, and a body size cap."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, request_id = request_started(scope)
        headers = dict(scope["headers"])
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = with_context(
                    list(message.get("headers", [])), scope["path"], request_id, message["status"]
                )
            await send(message)

        declared = headers.get(b"content-length")
        too_large = (
            declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes
        )
        try:
            if too_large:
                await self._reject_too_large(scope, send_wrapper)
            else:
                await self.app(scope, self._limited(receive), send_wrapper)
        finally:
            log_request(scope, status_holder["status"], started)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise StarletteHTTPException(413, "The request body is too large.")
            return message

        return wrapped

    async def _reject_too_large(self, scope: Scope, send: Send) -> None:
        response = problem_response(
            413,
            "Payload too large",
            f"The request body exceeds {self.max_body_bytes} bytes.",
            instance=scope["path"],
        )
        await response(scope, _empty_receive, send)


def strict_transport(base_url: str) -> bool:
    """Whether every answer carries `Strict-Transport-Security` (`HSTS`): the public URL is
    https (`StrictTransportSecurity` for the app's answers, `core.early`'s callers for theirs)."""
    return base_url.lower().startswith("https://")


class StrictTransportSecurity:
    """The app's outermost layer when the public URL is https: `Strict-Transport-Security` on
    every answer, redirects and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), HSTS]
            await send(message)

        await self.app(scope, receive, send_with_hsts)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
