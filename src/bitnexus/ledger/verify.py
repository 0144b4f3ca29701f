"""`bitnexus ledger verify`: recompute everything the ledger claims and name the first bad row.

Runs as the owner (an operator's tool), reading each tenant's rows in order: every leaf from its
postings, every stored subtree from the leaves, every block's root, chain link, hash and
signature, every stored witness cosignature (against the keys in BITNEXUS_WITNESSES), and every
running balance from the postings.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from bitnexus.core.config import Settings
from bitnexus.ledger import keys, leaf, merkle, note, tree, witnessing
from bitnexus.ledger.models import normal_sign


@dataclass
class Report:
    tenant_slug: str
    transactions: int = 0
    unsequenced: int = 0
    nodes: int = 0
    blocks: int = 0
    cosignatures: int = 0  # verified against the configured witnesses' keys
    unchecked_cosignatures: int = 0  # by witnesses no longer configured: no key to check them
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, problem: str) -> None:
        self.problems.append(problem)


Progress = Callable[[str, int], None]


def _rows(conn: Connection, sql: str, tenant_id: uuid.UUID) -> Iterable[Any]:
    return conn.execute(text(sql), {"t": tenant_id})


def verify_tenant(
    conn: Connection,
    settings: Settings,
    tenant_id: uuid.UUID,
    slug: str,
    progress: Progress | None = None,
) -> Report:
    report = Report(slug)
    tick = progress or (lambda _what, _n: None)
    codes = {
        r.id: (r.code, r.kind)
        for r in _rows(
            conn, "SELECT id, code, kind FROM ledger_accounts WHERE tenant_id = :t", tenant_id
        )
    }
    postings: dict[uuid.UUID, list[tuple[int, uuid.UUID, int, str]]] = defaultdict(list)
    for p in _rows(
        conn,
        "SELECT transaction_id, position, account_id, amount, currency FROM ledger_postings WHERE tenant_id = :t ORDER BY transaction_id, position",
        tenant_id,
    ):
        postings[p.transaction_id].append((p.position, p.account_id, p.amount, p.currency))

    # 1. transactions: gapless, balanced, leaf and digest recomputed from the postings
    memory = merkle.MemoryTree()
    sums: dict[uuid.UUID, int] = defaultdict(int)
    changes: list[tuple[int, str, str]] = []  # signing key changes: (seq, old key, new key)
    expected_seq = 0
    for tx in _rows(
        conn,
        "SELECT id, seq, idempotency_key, request_digest, leaf, description, metadata, reverses_id, created_at FROM ledger_transactions WHERE tenant_id = :t ORDER BY seq NULLS LAST, created_at, id",
        tenant_id,
    ):
        where = f"ledger_transactions seq={tx.seq} id={tx.id}"
        if tx.seq is None:  # accepted, not yet sequenced: balanced, but in no leaf or balance yet
            if tx.leaf is not None:
                report.fail(f"{where}: a leaf without a sequence number")
            _check_postings(report, where, postings.get(tx.id, []))
            report.unsequenced += 1
            tick("transactions", 1)
            continue
        if tx.seq != expected_seq:
            report.fail(
                f"{where}: expected sequence {expected_seq} (a row is missing or reordered)"
            )
            expected_seq = tx.seq
        expected_seq += 1
        rows = postings.get(tx.id, [])
        change = leaf.key_change(rows, tx.metadata)
        if change is None:
            _check_postings(report, where, rows)
        else:
            changes.append((tx.seq, *change))
        for _pos, account_id, amount, _currency in rows:
            sums[account_id] += amount * normal_sign(codes[account_id][1])
        content = leaf.request_content(
            [{"account": codes[a][0], "amount": amt, "currency": cur} for _p, a, amt, cur in rows],
            tx.description,
            tx.metadata,
            tx.reverses_id,
        )
        if leaf.request_digest(content) != tx.request_digest:
            report.fail(f"{where}: request digest does not match its postings")
        recomputed = leaf.leaf_bytes(
            tenant=tenant_id,
            transaction_id=tx.id,
            seq=tx.seq,
            key=tx.idempotency_key,
            at=tx.created_at,
            content=content,
        )
        if recomputed != tx.leaf:
            report.fail(f"{where}: leaf does not match its postings")
        memory.append(bytes(tx.leaf))
        report.transactions += 1
        tick("transactions", 1)

    # 2. stored subtrees against the tree recomputed from the leaves
    size = (
        conn.execute(
            text("SELECT size FROM ledger_tree_states WHERE tenant_id = :t"), {"t": tenant_id}
        ).scalar()
        or 0
    )
    if size > memory.size:
        report.fail(f"ledger_tree_states: size {size} exceeds the {memory.size} transactions")
    stored = 0
    for n in _rows(
        conn,
        "SELECT level, index, hash FROM ledger_tree_nodes WHERE tenant_id = :t ORDER BY level, index",
        tenant_id,
    ):
        level, index, digest = n[0], n[1], n[2]  # (a Row's .index is tuple.index)
        stored += 1
        want = memory.nodes.get((level, index))
        if want is None or (index + 1) << level > size:
            report.fail(
                f"ledger_tree_nodes level={level} index={index}: not part of the integrated tree"
            )
        elif want != bytes(digest):
            report.fail(
                f"ledger_tree_nodes level={level} index={index}: hash does not match the leaves"
            )
        tick("nodes", 1)
    expected_nodes = sum(1 for (lv, ix) in memory.nodes if (ix + 1) << lv <= size)
    if stored != expected_nodes:
        report.fail(
            f"ledger_tree_nodes: {stored} stored, {expected_nodes} expected (rows deleted or added)"
        )
    report.nodes = stored

    # 3. blocks: chain, hash, root, and signed by the key current at their size
    published = _published_keys(conn, settings, tenant_id, report)
    signers = _KeyChain(published, changes, report)
    prev = tree.GENESIS_PREV_HASH
    expected_height = 0
    for blk in _rows(
        conn,
        "SELECT height, prev_hash, tree_size, root_hash, checkpoint, block_hash FROM ledger_blocks WHERE tenant_id = :t ORDER BY height",
        tenant_id,
    ):
        where = f"ledger_blocks height={blk.height}"
        if blk.height != expected_height:
            report.fail(f"{where}: expected height {expected_height}")
        expected_height = blk.height + 1
        if bytes(blk.prev_hash) != prev:
            report.fail(f"{where}: previous-block hash does not link to block {blk.height - 1}")
        if tree.block_hash(
            blk.height, bytes(blk.prev_hash), blk.tree_size, bytes(blk.root_hash), blk.checkpoint
        ) != bytes(blk.block_hash):
            report.fail(f"{where}: block hash does not match its contents")
        if blk.tree_size > memory.size or memory.root(blk.tree_size) != bytes(blk.root_hash):
            report.fail(f"{where}: root hash does not match the leaves")
        try:
            opened, signed = note.verify_any(blk.checkpoint, list(published.values()))
            cp = note.parse_checkpoint(opened.text)
            if (cp.origin, cp.size, cp.root_hash) != (
                signed[0].name,
                blk.tree_size,
                bytes(blk.root_hash),
            ):
                report.fail(f"{where}: checkpoint does not state this block's size and root")
            signers.check(where, blk.tree_size, {str(v) for v in signed})
        except note.NoteError as exc:
            report.fail(f"{where}: checkpoint signature invalid ({exc})")
        prev = bytes(blk.block_hash)
        report.blocks += 1
        tick("blocks", 1)

    # 4. witnesses' cosignatures on the blocks' checkpoints
    _check_cosignatures(conn, settings, tenant_id, report)

    # 5. rolled-up balances against the sequenced postings
    for r in _rows(
        conn, "SELECT account_id, balance FROM ledger_balances WHERE tenant_id = :t", tenant_id
    ):
        account_id, balance = r.account_id, r.balance
        if balance != sums.get(account_id, 0):
            report.fail(
                f"ledger_balances account={codes[account_id][0]}: balance {balance} != postings {sums.get(account_id, 0)}"
            )
    return report


def _published_keys(
    conn: Connection, settings: Settings, tenant_id: uuid.UUID, report: Report
) -> dict[str, note.Verifier]:
    """The tenant's published verifier keys by their text, oldest first. A log signed before
    keys were per organisation and not sealed since has none registered yet: its origin's
    installation-wide key then."""
    published: dict[str, note.Verifier] = {}
    for row in _rows(
        conn,
        "SELECT version, verifier_key FROM ledger_signing_keys WHERE tenant_id = :t ORDER BY version",
        tenant_id,
    ):
        try:
            published[row.verifier_key] = note.parse_verifier(row.verifier_key)
        except note.NoteError as exc:
            report.fail(f"ledger_signing_keys version={row.version}: {exc}")
    origin = conn.execute(
        text("SELECT origin FROM ledger_tree_states WHERE tenant_id = :t"), {"t": tenant_id}
    ).scalar()
    if not published and origin is not None:
        try:
            legacy = keys.legacy_signer(settings, origin).verifier
        except keys.KeyUnavailable as exc:
            report.fail(f"ledger_signing_keys: none registered, and {exc}")
        else:
            published[str(legacy)] = legacy
    return published


class _KeyChain:
    """Which key must sign each block: the first key, until the block that first includes a
    key change (the handover), which both the old and the new key sign; the new key after."""

    def __init__(
        self,
        published: dict[str, note.Verifier],
        changes: list[tuple[int, str, str]],
        report: Report,
    ) -> None:
        self.current = next(iter(published), None)
        self.changes = list(changes)
        self.report = report
        for seq, old, new in changes:
            for key in (old, new):
                if key not in published:
                    report.fail(
                        f"ledger_transactions seq={seq}: key change names {key}, not published"
                    )

    def check(self, where: str, tree_size: int, signed: set[str]) -> None:
        required = {self.current} if self.current else set()
        while self.changes and self.changes[0][0] < tree_size:
            _seq, old, new = self.changes.pop(0)
            if old != self.current:
                self.report.fail(f"{where}: a key change from {old}, not the current key")
            required |= {old, new}
            self.current = new
        if missing := sorted(required - signed):
            self.report.fail(f"{where}: not signed by {', '.join(missing)}")


def _check_cosignatures(
    conn: Connection, settings: Settings, tenant_id: uuid.UUID, report: Report
) -> None:
    witnesses = {
        w.verifier.name: w.verifier for w in witnessing.parse_witnesses(settings.witnesses)
    }
    for row in _rows(
        conn,
        "SELECT c.height, c.witness, c.line, b.checkpoint FROM ledger_cosignatures c"
        " JOIN ledger_blocks b ON b.tenant_id = c.tenant_id AND b.height = c.height"
        " WHERE c.tenant_id = :t ORDER BY c.height, c.witness",
        tenant_id,
    ):
        where = f"ledger_cosignatures height={row.height} witness={row.witness}"
        verifier = witnesses.get(row.witness)
        try:
            signature = note.parse_signature(row.line)
            if verifier is None or signature.key_id != verifier.key_id:
                report.unchecked_cosignatures += 1
                continue
            note.verify_cosignature(note.parse(row.checkpoint).text, signature, verifier)
        except note.NoteError as exc:
            report.fail(f"{where}: {exc}")
        else:
            report.cosignatures += 1


def _check_postings(
    report: Report, where: str, rows: list[tuple[int, uuid.UUID, int, str]]
) -> None:
    if [r[0] for r in rows] != list(range(len(rows))) or len(rows) < 2:
        report.fail(f"{where}: postings missing or out of order")
    totals: dict[str, int] = defaultdict(int)
    for _pos, _account, amount, currency in rows:
        totals[currency] += amount
    if any(totals.values()):
        report.fail(f"{where}: postings do not balance ({dict(totals)})")


def verify(
    conn: Connection, settings: Settings, tenant_slug: str | None, progress: Progress | None = None
) -> list[Report]:
    """Verify one tenant (by slug) or all of them."""
    tenants_ = conn.execute(
        text(
            "SELECT id, slug FROM tenants WHERE CAST(:slug AS text) IS NULL OR slug = :slug ORDER BY slug"
        ),
        {"slug": tenant_slug},
    ).all()
    return [verify_tenant(conn, settings, t.id, t.slug, progress) for t in tenants_]
