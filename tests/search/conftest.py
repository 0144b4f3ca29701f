"""Search fixtures: the real model (loaded once per test session) and a shop of 300 generated
products, embedded once, that read-only tests share."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.catalog.models import Product
from bitnexus.core.bulk import driver
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.prepared import Prepared
from bitnexus.search import jobs
from bitnexus.search.embedder import Embedder, Vectors
from bitnexus.search.models import DIMENSIONS
from tests.factories import Account, invite_and_accept, signup_affiliate, signup_org
from tests.search.catalogue import Item, items

_ips = itertools.count(1)


@dataclass
class Shop:
    """An organisation with a vendor, an affiliate and products (`ids` by catalogue key)."""

    admin: Account
    vendor: Account
    affiliate: Account
    ids: dict[str, uuid.UUID]

    @property
    def tenant_id(self) -> uuid.UUID:
        return uuid.UUID(self.admin.tenant_id)


def own_client(app: FastAPI) -> httpx.AsyncClient:
    n = next(_ips)
    transport = httpx.ASGITransport(app=app, client=(f"10.251.{n // 250}.{n % 250 + 1}", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def open_shop(app: FastAPI, client: httpx.AsyncClient | None = None) -> Shop:
    c = client or own_client(app)
    admin = await signup_org(c)
    vendor = await invite_and_accept(admin, own_client(app), role="vendor")
    affiliate = await signup_affiliate(own_client(app), admin.slug)
    return Shop(admin, vendor, affiliate, {})


async def stock(db: Database, shop: Shop, catalogue: Sequence[Item]) -> None:
    """Approved products straight into the database (the API would take minutes for 300)."""
    now = utcnow()
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, shop.tenant_id)
        for i, item in enumerate(catalogue):
            pid = uuid.uuid4()
            shop.ids[item.key] = pid
            at = now - dt.timedelta(minutes=i)
            session.add(
                Product(
                    id=pid,
                    tenant_id=shop.tenant_id,
                    vendor_id=uuid.UUID(shop.vendor.id),
                    title=item.title,
                    description=item.description,
                    category=item.category,
                    tags=item.tags,
                    price_minor=item.price_minor,
                    currency="USD",
                    landing_url="https://vendor.example/p",
                    commission_bps=2_000,
                    status="approved",
                    grade="A",
                    review_notes="",
                    rejection_reason="",
                    created_at=at,
                    updated_at=at,
                    submitted_at=at,
                    reviewed_at=at,
                )
            )


class SpyEmbedder(Embedder):
    """The session's model (its child process), with the texts of each call made to it."""

    def __init__(self, model: Embedder) -> None:
        super().__init__(model.threads)
        self.model = model
        self.calls: list[list[str]] = []

    async def call(self, texts: list[str]) -> Vectors:
        self.calls.append(list(texts))
        return await self.model.encode(texts)


@pytest.fixture(scope="session")
async def shop(app: FastAPI, embedder: Embedder) -> Shop:
    """The generated catalogue, approved and embedded (tests must not change it)."""
    made = await open_shop(app)
    await stock(app.state.db, made, items())
    await jobs.index_tenant(app.state.db, embedder, made.tenant_id)
    return made


async def plan_of(session: AsyncSession, statement: Prepared, values: dict[str, Any]) -> str:
    """The plan PostgreSQL makes for `statement` with `values`, in the session's transaction
    (its settings, its tenant)."""
    conn = await driver(session)
    rows = await conn.fetch("EXPLAIN " + statement.sql, *statement.bind(values))
    return "\n".join(r[0] for r in rows)


async def plans_made(session: AsyncSession, statement: Prepared) -> tuple[int, int]:
    """How often the session's connection planned `statement` for any values (a generic plan)
    and for a run's own values (a custom plan), as asyncpg keeps it prepared there."""
    conn = await driver(session)
    row = await conn.fetchrow(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
        statement.sql,
    )
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def unit_vector(weights: dict[int, float], noise: random.Random | None = None) -> list[float]:
    """A vector made to measure: `weights` on the components they name, Gaussian `noise` on
    every one (none without), unit length."""
    v = [noise.gauss(0, 0.05) if noise else 0.0 for _ in range(DIMENSIONS)]
    for i, w in weights.items():
        v[i] += w
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]
