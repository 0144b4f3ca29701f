"""Set-up shared by the ledger's database tests: tenants with a few accounts, sales, seals."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import leaf, merkle, note, service, signing, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.receipt import Receipt
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
        await tree.seal(s, tid, await signing.identity_for(s, settings, tid, slug))


async def log_identity(
    db: Database, settings: Settings, tid: uuid.UUID, slug: str
) -> tree.LogIdentity:
    """The tenant's log origin and current signing key (registered on first use)."""
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await signing.identity_for(s, settings, tid, slug)


@dataclass
class BulkLog:
    """A tenant's log loaded in bulk: its leaves, the tree, and a signed block at each size."""

    tenant_id: uuid.UUID
    slug: str
    leaves: list[bytes]
    tree: merkle.MemoryTree
    checkpoints: dict[int, str]
    signer: note.Signer  # the log's key that signed them

    def receipt(self, index: int, size: int) -> str:
        """The receipt of leaf `index` as the checkpoint at `size` signed it."""
        proof = self.tree.inclusion_proof(index, size)
        return str(Receipt(self.leaves[index], index, proof, self.checkpoints[size]))


async def bulk_log(
    db: Database,
    owner_dsn: str,
    settings: Settings,
    sizes: Sequence[int],
    tenant: tuple[uuid.UUID, str] | None = None,
) -> BulkLog:
    """A new tenant whose log holds `max(sizes)` sale transactions (leaves as the integrator
    writes them, descriptions and amounts included) and every stored node, with a block signed
    at each of `sizes`: written in bulk as the owner, so tens of thousands of leaves take
    seconds (there are no postings: for the public log, not for `ledger verify`). In `tenant`
    (id, slug) when given, else in a new one."""
    if tenant is None:
        slug = f"tiles-{uuid.uuid4().hex[:10]}"
        async with db.sessionmaker() as s, s.begin():
            tid = (await tenants.create(s, name="Tiles Org", slug=slug)).id
    else:
        tid, slug = tenant
    identity = await log_identity(db, settings, tid, slug)
    memory = merkle.MemoryTree()
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows, leaves = [], []
    for seq in range(max(sizes, default=0)):
        amount = 1000 + seq
        content = leaf.request_content(
            [
                {"account": "vendor:1:receivable", "amount": amount, "currency": "USD"},
                {"account": "affiliate:1:pending", "amount": -amount, "currency": "USD"},
            ],
            f"Sale {seq}",
            {},
            None,
        )
        tx_id = uuid.uuid4()
        data = leaf.leaf_bytes(
            tenant=tid, transaction_id=tx_id, seq=seq, key=f"sale-{seq}", at=at, content=content
        )
        memory.append(data)
        leaves.append(data)
        rows.append((tx_id, seq, f"sale-{seq}", leaf.request_digest(content), data))
    conn = await asyncpg.connect(owner_dsn)
    try:
        if rows:
            await conn.execute(
                "INSERT INTO ledger_transactions (tenant_id, id, seq, idempotency_key,"
                " request_digest, leaf, description, created_at) SELECT $1, u.*,"
                " 'Sale ' || u.seq, $7 FROM unnest($2::uuid[], $3::bigint[], $4::text[],"
                " $5::bytea[], $6::bytea[]) AS u(id, seq, k, d, l)",
                tid,
                *(list(col) for col in zip(*rows, strict=True)),
                at,
            )
            nodes = list(memory.nodes.items())
            await conn.execute(
                "INSERT INTO ledger_tree_nodes (tenant_id, level, index, hash) "
                "SELECT $1, * FROM unnest($2::smallint[], $3::bigint[], $4::bytea[])",
                tid,
                [lv for (lv, _), _ in nodes],
                [ix for (_, ix), _ in nodes],
                [h for _, h in nodes],
            )
        await conn.execute(
            "INSERT INTO ledger_tree_states (tenant_id, size) VALUES ($1, $2)"
            " ON CONFLICT (tenant_id) DO UPDATE SET size = excluded.size",  # the key made the row
            tid,
            memory.size,
        )
        checkpoints: dict[int, str] = {}
        prev = tree.GENESIS_PREV_HASH
        for height, size in enumerate(sorted(sizes)):
            root = memory.root(size)
            signed = note.sign(note.Checkpoint(identity.origin, size, root).body(), identity.signer)
            block = tree.block_hash(height, prev, size, root, signed)
            await conn.execute(
                "INSERT INTO ledger_blocks (tenant_id, height, prev_hash, tree_size, root_hash,"
                " checkpoint, block_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                tid,
                height,
                prev,
                size,
                root,
                signed,
                block,
                at,
            )
            checkpoints[size], prev = signed, block
    finally:
        await conn.close()
    return BulkLog(tid, slug, leaves, memory, checkpoints, identity.signer)
