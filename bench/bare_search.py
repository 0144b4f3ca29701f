"""The search benchmark's floor: a search that is only its two baselines, chained behind HTTP.

Bare Starlette, one uvicorn process: each request's words go to the app's model process
(`Embedder`: one thread, polling for the next query as the server's does), then its vector to
the raw nearest-10 pgvector query (`NEAREST`) on a raw asyncpg connection; the answer is the ten
ids as JSON. No token, tenant transaction, keyword ranking, fusion or product read: what any
search on this machine pays at least, measured as the API is.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bitnexus.core import vector
from bitnexus.core.config import Settings
from bitnexus.core.db import CONNECTION_SETTINGS, Setting
from bitnexus.search.embedder import Embedder

NEAREST = (
    "SELECT product_id FROM product_embeddings WHERE tenant_id = $1 "
    "ORDER BY embedding <=> $2::vector LIMIT 10"
)
POOL_SIZE = 4  # the benchmark's concurrency


async def connect(
    dsn: str, tenant_id: uuid.UUID, n: int, settings: Sequence[Setting] = ()
) -> list[asyncpg.Connection]:
    """`n` raw connections ready for `NEAREST`: vectors in their binary form (as the app's
    connections send them), the tenant set for the session, the app's connection settings
    (the iterative index scan on) and `settings` given as they open."""
    startup = {**CONNECTION_SETTINGS, **dict(settings)}
    conns = [await asyncpg.connect(dsn, server_settings=startup) for _ in range(n)]
    for c in conns:
        await vector.register(c)
        await c.execute("SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id))
    return conns


pool: asyncio.Queue[asyncpg.Connection] = asyncio.Queue()
model = Embedder(threads=1, spin_seconds=Settings.model_fields["embed_spin_ms"].default / 1000)


async def search(request: Request) -> Response:
    found = await model.submit(request.query_params["q"])
    conn = await pool.get()
    try:
        rows = await conn.fetch(NEAREST, request.app.state.tenant_id, found)
    finally:
        pool.put_nowait(conn)
    return Response(json.dumps([str(r[0]) for r in rows]), media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.tenant_id = uuid.UUID(os.environ["BENCH_TENANT"])
    for conn in await connect(os.environ["BENCH_DSN"], app.state.tenant_id, POOL_SIZE):
        pool.put_nowait(conn)
    await model.encode(["warm up"])  # the model's process started and loaded
    yield
    model.close()
    while not pool.empty():
        await pool.get_nowait().close()


app = Starlette(routes=[Route("/search", search)], lifespan=lifespan)
