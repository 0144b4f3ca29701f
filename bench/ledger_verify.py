"""`ledger verify` at scale: a tenant with N (default 1,000,000) real transactions, postings,
stored tree nodes and a signed block, verified end to end; the baseline, measured in the same
run, is reading the same rows and SHA-256-hashing each leaf (the I/O and hashing floor)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import time
import uuid

import asyncpg
from sqlalchemy import URL, create_engine, text

from bench import loading
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.ledger import leaf, merkle, service, signing, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.verify import verify
from bitnexus.tenants import service as tenants

LEAVES = int(os.environ.get("BENCH_VERIFY_LEAVES", "1000000"))
BATCH = 50_000
RECEIVABLE, PENDING = "vendor:1:receivable", "affiliate:1:pending"


async def _tenant(db: Database) -> tuple[uuid.UUID, str, dict[str, uuid.UUID]]:
    slug = f"bv-{uuid.uuid4().hex[:10]}"
    async with db.sessionmaker() as s, s.begin():
        t = await tenants.create(s, name="Bench Verify", slug=slug)
        ids = {}
        for code, kind in ((RECEIVABLE, AccountKind.asset), (PENDING, AccountKind.liability)):
            account = await service.open_account(s, t.id, code=code, kind=kind, currency="USD")
            ids[code] = account.id
        return t.id, slug, ids


async def _load(owner_dsn: str, tid: uuid.UUID, ids: dict[str, uuid.UUID]) -> float:
    """Write N transactions exactly as the service would (leaf, digest, postings, balances)
    and the tree's stored nodes, in bulk as the owner; returns the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(owner_dsn)
    memory = merkle.MemoryTree()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    total = 0
    for start in range(0, LEAVES, BATCH):
        txs, posts = [], []
        for seq in range(start, min(start + BATCH, LEAVES)):
            amount = 1000 + seq % 997
            total += amount
            tx_id, at = uuid.uuid4(), base + dt.timedelta(microseconds=seq)
            content = leaf.request_content(
                [
                    {"account": RECEIVABLE, "amount": amount, "currency": "USD"},
                    {"account": PENDING, "amount": -amount, "currency": "USD"},
                ],
                "",
                {},
                None,
            )
            data = leaf.leaf_bytes(
                tenant=tid, transaction_id=tx_id, seq=seq, key=f"v-{seq}", at=at, content=content
            )
            memory.append(data)
            txs.append((tx_id, seq, f"v-{seq}", leaf.request_digest(content), data, at))
            posts += [
                (tx_id, 0, ids[RECEIVABLE], amount),
                (tx_id, 1, ids[PENDING], -amount),
            ]
        await conn.execute(
            "INSERT INTO ledger_transactions (tenant_id, id, seq, idempotency_key,"
            " request_digest, leaf, created_at) SELECT $1, * FROM unnest($2::uuid[],"
            " $3::bigint[], $4::text[], $5::bytea[], $6::bytea[], $7::timestamptz[])",
            tid,
            *(list(col) for col in zip(*txs, strict=True)),
        )
        await conn.execute(
            "INSERT INTO ledger_postings (tenant_id, transaction_id, position, account_id,"
            " amount, currency) SELECT $1, t, p, a, m, 'USD' FROM unnest($2::uuid[],"
            " $3::smallint[], $4::uuid[], $5::bigint[]) AS u(t, p, a, m)",
            tid,
            *(list(col) for col in zip(*posts, strict=True)),
        )
    await loading.store_nodes(conn, tid, memory)
    await conn.execute(
        "INSERT INTO ledger_tree_states (tenant_id, size) VALUES ($1, $2)"
        " ON CONFLICT (tenant_id) DO UPDATE SET size = excluded.size",
        tid,
        LEAVES,
    )
    await conn.execute("UPDATE ledger_balances SET balance = $2 WHERE tenant_id = $1", tid, total)
    await conn.close()
    return time.perf_counter() - started


def _floor(owner_url: URL, tid: uuid.UUID) -> float:
    """Read what verify reads and hash each leaf once: the floor verify cannot beat."""
    engine = create_engine(owner_url)
    started = time.perf_counter()
    with engine.connect() as conn:
        for _ in conn.execute(
            text(
                "SELECT * FROM ledger_postings WHERE tenant_id = :t ORDER BY transaction_id, position"
            ),
            {"t": tid},
        ):
            pass
        for row in conn.execute(
            text("SELECT leaf FROM ledger_transactions WHERE tenant_id = :t ORDER BY seq"),
            {"t": tid},
        ):
            hashlib.sha256(row.leaf).digest()
        for _ in conn.execute(
            text("SELECT * FROM ledger_tree_nodes WHERE tenant_id = :t ORDER BY level, index"),
            {"t": tid},
        ):
            pass
    engine.dispose()
    return time.perf_counter() - started


def run(settings: Settings, urls: DatabaseUrls) -> str:
    async def prepare() -> tuple[uuid.UUID, str, float]:
        db = Database(urls.app, pool_size=2)
        try:
            tid, slug, ids = await _tenant(db)
            load_s = await _load(libpq(urls.owner), tid, ids)
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)
                await tree.seal(s, tid, await signing.identity_for(s, settings, tid, slug))
            return tid, slug, load_s
        finally:
            await db.dispose()

    tid, slug, load_s = asyncio.run(prepare())
    floor_s = _floor(urls.owner, tid)
    engine = create_engine(urls.owner)
    started = time.perf_counter()
    with engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    verify_s = time.perf_counter() - started
    engine.dispose()
    assert report.ok and report.transactions == LEAVES, report.problems[:5]
    return (
        f"### `ledger verify` at {LEAVES:,} leaves\n\n"
        "| measure | seconds | transactions/s |\n|---|---:|---:|\n"
        f"| `ledger verify` (every leaf, digest, node, root, signature, balance) | {verify_s:.1f} | "
        f"{LEAVES / verify_s:,.0f} |\n"
        f"| baseline: read the same rows and SHA-256 each leaf | {floor_s:.1f} | {LEAVES / floor_s:,.0f} |\n\n"
        f"**Ratio: {floor_s / verify_s:.2f}x** of the read-and-hash floor (no target set). "
        f"{report.nodes:,} stored nodes and {report.blocks} block checked; generating and bulk-loading "
        f"the tenant took {load_s:.0f} s. Verification is single-threaded Python; profiled at 20,000 leaves, "
        "re-encoding each leaf and request digest with the pure-Python `rfc8785` package is about 60% of "
        "its time, row fetching about 10%. It streams the transactions but holds the postings and the "
        "recomputed tree in memory (roughly 1 KiB per transaction). Levers: a compiled canonical-JSON "
        "encoder, or verifying tenants (or seq ranges) in parallel processes.\n"
    )
