"""Baseline for the redirect benchmark: bare Starlette answering a fixed 302, nothing recorded."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route


async def follow(_request: Request) -> RedirectResponse:
    return RedirectResponse("https://shop.example/landing?bnx_cid=0", status_code=302)


app = Starlette(routes=[Route("/r/{code}", follow)])
