"""The rules every path and query string meets before any route sees it, and the bounds of the
integers routes take from them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from urllib.parse import parse_qsl

from annotated_types import Interval
from pydantic import BeforeValidator
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bitnexus.core.errors import FieldError
from bitnexus.core.http import (
    log_request,
    problem_response,
    request_started,
    routes_matching,
    with_context,
)

# PostgreSQL's bigint, the widest integer a query parameter can reach the database as.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Natural = Annotated[int, Interval(ge=0, le=INT64_MAX)]
"""A count, size, height or sequence number from a path or query: past a bigint it is a 422,
not an overflow in the database."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("Use a date as YYYY-MM-DD.")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date from a path or query, as the schema's `format: date` says (not a Unix time)."""

# C0 controls (NUL, which PostgreSQL cannot store in text, among them) and DEL: no name, slug,
# code or search term has them, and in logs and terminals they only do harm.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_DETAIL = "Control characters (U+0000 to U+001F and U+007F) are not allowed."
# The same in a raw query string: percent-encoded or, from a lenient client, as they are.
_QUERY_CONTROL = re.compile(rb"%[01][0-9A-Fa-f]|%7[Ff]|[\x00-\x1f\x7f]")


def clean(path: str, query: bytes) -> bool:
    """Whether a request's path and raw query are free of control characters, encoded or not
    (what `InputGuard` lets through without a look at the parameters)."""
    return not (CONTROL.search(path) or _QUERY_CONTROL.search(query))


def odd_parameters(scope: Scope, router: Router) -> list[FieldError]:
    """The path and query parameters of a request that hold a control character, by name: a
    path parameter is named by the route the path matches ("path" when none does)."""
    errors: list[FieldError] = []
    if CONTROL.search(scope["path"]):
        errors.append(FieldError(_path_parameter(scope, router), CONTROL_DETAIL))
    query: bytes = scope["query_string"]
    if _QUERY_CONTROL.search(query):
        names = dict.fromkeys(
            name
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if CONTROL.search(name) or CONTROL.search(value)
        )
        errors.extend(FieldError(name, CONTROL_DETAIL) for name in names)
    return errors


def _path_parameter(scope: Scope, router: Router) -> str:
    for _, params in routes_matching(router, scope["path"]):  # the route the router would take
        return next((k for k, v in params.items() if v and CONTROL.search(v)), "path")
    return "path"


class InputGuard:
    """The app's outermost layer: a request whose path or query string holds a control
    character is answered `400` problem+json naming each such parameter, redirects included;
    all else goes on unchanged. Nothing behind it has to think about NUL bytes in text."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or clean(scope["path"], scope["query_string"]):
            await self.app(scope, receive, send)
            return
        started, request_id = request_started(scope)
        errors = odd_parameters(scope, self.router)
        if not errors:  # an encoded control character that decodes to none (`%0` alone)
            await self.app(scope, receive, send)
            return
        response = problem_response(
            400,
            "Bad request",
            "The request's path or query has characters that are not allowed.",
            type_slug="bad-characters",
            errors=errors,
            instance=scope["path"],
        )
        status = response.status_code

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                message["headers"] = with_context(own, scope["path"], request_id, status)
            await send(message)

        await response(scope, receive, send_with_context)
        log_request(scope, status, started)
