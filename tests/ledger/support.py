"""Set-up shared by the ledger's database tests: a tenant with a few accounts, and shortcuts."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import service, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from bitnexus.tenants import service as tenants

SALE = [
    P("vendor:1:receivable", 1000, "USD"),
    P("affiliate:1:pending", -900, "USD"),
    P("platform:fees", -100, "USD"),
]


async def ledger_tenant(db: Database) -> uuid.UUID:
    async with db.sessionmaker() as s, s.begin():
        tenant = await tenants.create(s, name="Ledger Org", slug=f"ledger-{uuid.uuid4().hex[:10]}")
        for code, kind, neg in [
            ("vendor:1:receivable", AccountKind.asset, True),
            ("affiliate:1:pending", AccountKind.liability, True),
            ("affiliate:1:available", AccountKind.liability, False),
            ("platform:fees", AccountKind.revenue, True),
        ]:
            await service.open_account(
                s, tenant.id, code=code, kind=kind, currency="USD", may_go_negative=neg
            )
        await service.open_account(
            s, tenant.id, code="vendor:1:eur", kind=AccountKind.asset, currency="EUR"
        )
        return tenant.id


async def post(
    db: Database, tid: uuid.UUID, key: str, postings: list[P], **kw: object
) -> service.Posted:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await service.post_transaction(s, tid, idempotency_key=key, postings=postings, **kw)  # type: ignore[arg-type]


async def integrate(db: Database, tid: uuid.UUID) -> int:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await tree.integrate(s, tid)


async def seqs(owner_engine: Engine, tid: uuid.UUID) -> list[int | None]:
    with owner_engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT seq FROM ledger_transactions WHERE tenant_id = :t ORDER BY seq"),
                {"t": tid},
            ).scalars()
        )


async def balance(db: Database, tid: uuid.UUID, code: str) -> int:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await service.balance(s, code)
