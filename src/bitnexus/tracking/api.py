"""Tracked-link routes: make, list, pause/resume, delete, QR code."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus.accounts.deps import CurrentPrincipal
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for
from bitnexus.tracking.errors import AliasTaken, LinkDeleted, LinkNotFound
from bitnexus.tracking.schemas import LinkCreate, LinkPage, LinkRead, LinkUpdate
from bitnexus.tracking.service import links, redirect

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
) -> LinkRead:
    """Pause a link (visitors land on the fallback page) or resume it."""
    return await links.set_status(session, principal, link_id, body, base_url=settings.base_url)


@router.delete("/{link_id}", responses=errors_for(LinkNotFound))
async def delete_link(
    link_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> LinkRead:
    """Delete a link for good (it keeps answering, with the fallback page)."""
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


async def follow_code(request: Request) -> Response:
    """`/r/{code}`: follow a tracked link; the click is durable before this answers."""
    return await _follow(request, request.path_params["code"])


async def follow_alias(request: Request) -> Response:
    """`/r/{slug}/{alias}`: follow a tracked link by organisation and the affiliate's alias."""
    params = request.path_params
    return await _follow(request, params["slug"].lower(), params["alias"].lower())


async def _follow(request: Request, *key: str) -> Response:
    state = request.app.state
    return await redirect.follow(
        request, key, resolver=state.links, recorder=state.clicks, settings=state.settings
    )


# Plain Starlette routes, not API operations: the hot path skips FastAPI's request parsing.
REDIRECT_ROUTES = [
    Route("/r/{code}", follow_code, methods=["GET", "HEAD"]),
    Route("/r/{slug}/{alias}", follow_alias, methods=["GET", "HEAD"]),
]


class RedirectsFirst:
    """Middleware that answers a request one of `REDIRECT_ROUTES` fully matches at once, ahead of
    FastAPI's exception and routing layers (the app adds it inside `RequestContextMiddleware`,
    so request ids, security headers and the access log stay). Everything else goes on, a
    redirect path with another method too (the router answers it 405)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/r/"):
            for route in REDIRECT_ROUTES:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child, route=route)
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)
