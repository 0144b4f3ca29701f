"""Bulk-loading helpers shared by the benchmarks (as the owner; COPY is refused under RLS)."""

from __future__ import annotations

import uuid

import asyncpg

from bitnexus.ledger import merkle


async def store_nodes(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, tree: merkle.MemoryTree, batch: int = 200_000
) -> None:
    """Insert every complete subtree of `tree` as the tenant's stored nodes, in unnest() batches."""
    items = list(tree.nodes.items())
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        await conn.execute(
            "INSERT INTO ledger_tree_nodes (tenant_id, level, index, hash) "
            "SELECT $1, * FROM unnest($2::smallint[], $3::bigint[], $4::bytea[])",
            tenant_id,
            [lv for (lv, _), _ in chunk],
            [ix for (_, ix), _ in chunk],
            [h for _, h in chunk],
        )
