"""Baseline for the /me benchmark: bare Starlette, one raw psycopg query per request.

It answers the same single-row lookup (user joined with tenant) on the same database that the
full stack runs behind auth, the tenant transaction and RLS.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DSN = os.environ["BENCH_DSN"]
USER_ID = os.environ["BENCH_USER_ID"]
POOL_SIZE = 10
QUERY = (
    "SELECT u.id, u.email, u.name, u.role, t.slug, t.name AS tenant FROM users u "
    "JOIN tenants t ON t.id = u.tenant_id WHERE u.id = %s"
)
pool: asyncio.Queue[psycopg.AsyncConnection[tuple[object, ...]]] = asyncio.Queue()


async def me(_request: Request) -> JSONResponse:
    conn = await pool.get()
    try:
        cur = await conn.execute(QUERY, (USER_ID,), prepare=True)
        row = await cur.fetchone()
    finally:
        pool.put_nowait(conn)
    assert row is not None
    return JSONResponse(
        {
            "id": str(row[0]),
            "email": row[1],
            "name": row[2],
            "role": row[3],
            "tenant": {"slug": row[4], "name": row[5]},
        }
    )


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    for _ in range(POOL_SIZE):
        pool.put_nowait(await psycopg.AsyncConnection.connect(DSN, autocommit=True))
    yield
    while not pool.empty():
        await pool.get_nowait().close()


app = Starlette(routes=[Route("/api/v1/me", me)], lifespan=lifespan)
