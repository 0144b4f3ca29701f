"""Set-up shared by the ledger's database tests: tenants with a few accounts, sales, seals."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import keys, service, tree
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


async def two_account_tenant(
    db: Database, prefix: str = "ledger", *, currency: str = "USD"
) -> tuple[uuid.UUID, str]:
    """A tenant with an asset account `a` and a revenue account `b`: its id and slug."""
    slug = f"{prefix}-{uuid.uuid4().hex[:10]}"
    async with db.sessionmaker() as s, s.begin():
        t = await tenants.create(s, name=f"{prefix.title()} Org", slug=slug)
        await service.open_account(s, t.id, code="a", kind=AccountKind.asset, currency=currency)
        await service.open_account(s, t.id, code="b", kind=AccountKind.revenue, currency=currency)
    return t.id, slug


async def sell(
    db: Database,
    tid: uuid.UUID,
    numbers: Iterable[int],
    *,
    base: int = 100,
    currency: str = "USD",
    key: str = "s",
) -> None:
    """Sale `i` for each of `numbers`, committed one by one: `a` gains base + i from `b`, under
    the idempotency key `{key}{i}`."""
    for i in numbers:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await service.post_transaction(
                s,
                tid,
                idempotency_key=f"{key}{i}",
                postings=[P("a", base + i, currency), P("b", -base - i, currency)],
            )


async def seal(db: Database, settings: Settings, tid: uuid.UUID, slug: str) -> None:
    """Number what is pending and seal it into a signed block."""
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
        await tree.seal(s, tid, keys.identity_for(settings, slug))
