"""Tracked-link routes: make, list, pause/resume, delete, QR code."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import State
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus.auth import CurrentPrincipal
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.core import early
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for
from bitnexus.core.http import (
    HSTS,
    log_request,
    problem_response,
    request_id_of,
    request_started,
    strict_transport,
    with_context,
)
from bitnexus.core.uow import after_commit
from bitnexus.tracking.errors import AliasTaken, LinkDeleted, LinkNotFound
from bitnexus.tracking.schemas import LinkCreate, LinkPage, LinkRead, LinkUpdate
from bitnexus.tracking.service import links, redirect

log = structlog.get_logger("bitnexus.http")

router = APIRouter(prefix="/links", tags=["links"])


@router.post(
    "", status_code=201, responses=errors_for(Forbidden, ProductNotFound, AliasTaken, InvalidInput)
)
async def create_link(
    body: LinkCreate, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> LinkRead:
    """Make a tracked link to an approved product (affiliates)."""
    return await links.create(session, principal, body, base_url=settings.base_url)


@router.get("", responses=errors_for(BadRequest))
async def list_links(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    product_id: uuid.UUID | None = None,
    include_deleted: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> LinkPage:
    """Your links, newest first (tenant admins: every affiliate's)."""
    return await links.listed(
        session,
        principal,
        product_id=product_id,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        base_url=settings.base_url,
    )


@router.get("/{link_id}", responses=errors_for(LinkNotFound))
async def get_link(
    link_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> LinkRead:
    return await links.get(session, principal, link_id, base_url=settings.base_url)


@router.patch("/{link_id}", responses=errors_for(LinkNotFound, LinkDeleted))
async def update_link(
    link_id: uuid.UUID,
    body: LinkUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> LinkRead:
    """Pause a link (visitors land on the fallback page) or resume it."""
    after_commit(session, request.app.state.links.forget)  # this process's redirects: at once
    return await links.set_status(session, principal, link_id, body, base_url=settings.base_url)


@router.delete("/{link_id}", responses=errors_for(LinkNotFound))
async def delete_link(
    link_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> LinkRead:
    """Delete a link for good (it keeps answering, with the fallback page)."""
    after_commit(session, request.app.state.links.forget)
    return await links.delete(session, principal, link_id, base_url=settings.base_url)


@router.get(
    "/{link_id}/qr",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}, "image/png": {}}},
        **errors_for(LinkNotFound),
    },
)
async def link_qr(
    link_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["svg", "png"] = "svg",
    scale: Annotated[int, Query(ge=1, le=40)] = 10,
) -> Response:
    """The link's QR code (SVG or PNG) in the organisation's brand colour."""
    data = await links.qr(
        session, principal, link_id, kind=format, scale=scale, base_url=settings.base_url
    )
    return Response(
        data,
        media_type="image/svg+xml" if format == "svg" else "image/png",
        headers={"Content-Disposition": f'attachment; filename="link-{link_id}.{format}"'},
    )


async def _follow(request: Request) -> Response:
    """The router's way to a redirect, for an app without `RedirectsFirst` in front."""
    key = redirect_key(request.url.path)
    assert key is not None  # the routes below match only such paths
    status, headers, body = await answer(request.scope, key, request.app.state)
    response = Response(body, status_code=status)
    response.raw_headers = list(headers)
    return response


# In the router too: a redirect path with another method gets the router's 405.
REDIRECT_ROUTES = [
    Route("/r/{code}", _follow, methods=["GET", "HEAD"]),
    Route("/r/{slug}/{alias}", _follow, methods=["GET", "HEAD"]),
]


REDIRECT_PREFIX = b"/r/"  # what every redirect path starts with


def redirect_key(path: str) -> tuple[str, ...] | None:
    """The link a redirect path names: `/r/{code}` or `/r/{slug}/{alias}` (lower-cased)."""
    parts = path[3:].split("/") if path.startswith("/r/") else []
    if len(parts) == 1 and parts[0]:
        return (parts[0],)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0].lower(), parts[1].lower()
    return None


class RedirectsFirst:
    """The app's outermost layer: answers `GET`/`HEAD /r/…` itself, with the same request id,
    context headers and access log line as every other answer (`core.http`), and hands all
    else to the app. The hot path thus skips FastAPI's and Starlette's layers (about a third
    of a redirect's time in the server). An unexpected error is logged and answered 500."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = (
            redirect_key(scope["path"])
            if scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
            else None
        )
        if key is None:
            await self.app(scope, receive, send)
            return
        started, request_id = request_started(scope)
        scope["route"] = REDIRECT_ROUTES[len(key) - 1]  # for the access log
        status, headers, body = await answer(scope, key, self.state)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": with_context(headers, scope["path"], request_id, status),
            }
        )
        await send({"type": "http.response.body", "body": body})
        log_request(scope, status, started)


async def answer(
    scope: Scope, key: tuple[str, ...], state: State
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A redirect's status, headers and body; an unexpected error is logged and answered 500."""
    try:
        headers = await redirect.follow(
            redirect.Arrival.of(scope, state.settings.country_header),
            key,
            resolver=state.links,
            recorder=state.clicks,
            settings=state.settings,
        )
    except Exception:
        log.exception("http.unhandled_error", path=scope["path"])  # the request id: in context
        failed = problem_response(
            500, "Internal server error", "Something went wrong on our side; it has been logged."
        )
        return 500, failed.raw_headers, bytes(failed.body)
    return 302, headers, b""


def answer_early(head: early.Head, state: State) -> asyncio.Future[early.Reply] | None:
    """A redirect the HTTP protocol answers itself (`core.early`): a live link this process has
    cached, its click recorded as `RedirectsFirst` would, the same 302 and context headers,
    access log line and metrics; None for anything else (then the app answers it)."""
    key = redirect_key(head.path)
    if key is None:
        return None
    settings = state.settings
    started = time.perf_counter()
    arrival = redirect.Arrival.read("GET", head.headers, head.client, settings.country_header)
    soon = redirect.follow_soon(
        arrival, key, resolver=state.links, recorder=state.clicks, settings=settings
    )
    if soon is None:
        return None
    recorded, headers = soon
    request_id = request_id_of(head.headers)
    answered: asyncio.Future[early.Reply] = asyncio.get_running_loop().create_future()

    hsts = strict_transport(settings.base_url)

    def give(_: asyncio.Future[None]) -> None:  # recorded or lost (logged): the visitor goes on
        try:
            own = with_context(headers, head.path, request_id, 302)
            answered.set_result((b"302 Found", [*own, HSTS] if hsts else own))
            scope = {"method": "GET", "path": head.path, "route": REDIRECT_ROUTES[len(key) - 1]}
            log_request(scope, 302, started, request_id=request_id)
        except Exception as error:  # the protocol closes the connection rather than hang
            log.exception("http.unhandled_error", path=head.path, request_id=request_id)
            if not answered.done():
                answered.set_exception(error)

    recorded.add_done_callback(give)
    return answered
