"""Per-request metrics, recorded once a request is answered (`core.http.log_request`, which
every answer passes through, redirects and refused inputs included).

The request path's only costs: a tuple key, one dict lookup for the labelled histogram child
(labels are resolved once per route, method and status, then cached) and the observation itself.
Measured in docs/operations.md ("Cost").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import Scope

from bitnexus.core.metrics.families import HTTP_DURATION, HTTP_SERVER_ERRORS

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# what a request no route matched is labelled with: the web app's pages and files, or nothing
SPA, UNMATCHED = "spa", "unmatched"

_children: dict[tuple[object, str, int], Any] = {}
# route object (by id) -> its full template: an included router's routes know only their own
# part of the path (`/me`), the app matches them under their prefix (`/api/v1/me`)
_templates: dict[int, str] = {}


def learn_routes(routes: Sequence[BaseRoute]) -> None:
    """Note the full template of every route of an app (its routers' prefixes included)."""
    for context in iter_route_contexts(routes):
        path = context.path
        if path is not None:
            _templates[id(context.original_route)] = path
    # a route of an app gone (tests make many) may have left its id to another route
    _children.clear()


def route_label(scope: Scope) -> str:
    """The route template a request matched (`/api/v1/links/{link_id}`), never its raw path."""
    route = scope.get("route")
    if route is not None:
        return _templates.get(id(route)) or str(route.path)
    path: str = scope["path"]
    return UNMATCHED if path == "/api" or path.startswith("/api/") else SPA


def observe(scope: Scope, status: int, seconds: float) -> None:
    """Count a request answered with `status` after `seconds`."""
    route = scope.get("route")
    method: str = scope["method"]
    if method not in METHODS:
        method = "other"
    key = (id(route) if route is not None else route_label(scope), method, status)
    child = _children.get(key)
    if child is None:
        label = route_label(scope)
        child = _children[key] = HTTP_DURATION.labels(label, method, _status_class(status))
    child.observe(seconds)
    if status >= 500:
        HTTP_SERVER_ERRORS.labels(route_label(scope), str(status)).inc()


def _status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"
