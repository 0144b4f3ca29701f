"""The public log (C2SP tlog-tiles) at N leaves (default 1,000,000): full hash tiles served per
second over HTTP, against the public verifier-key route of the same server as the baseline (the
same tenant lookup, no tile read), and the time `bitnexus-verify consistency --tiles` takes to
prove a saved receipt consistent with today's checkpoint and included in it, tiles fetched over
HTTP from a cold start each time.

`BENCH_TILES_LEAVES=3000 BENCH_DURATION=2s BENCH_ROUNDS=1 python -m bench tiles` runs it small.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType

import asyncpg
import httpx

from bench import loading
from bench.data import bench_dir
from bench.me_endpoint import WrkResult, _free_port, wrk
from bench.server import bench_env, serve_command, start, wait_ready
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.dburl import libpq
from bitnexus.ledger import merkle, note, signing, tree
from bitnexus.ledger.receipt import Receipt
from bitnexus.tenants import service as tenants

LEAVES = int(os.environ.get("BENCH_TILES_LEAVES", "1000000"))  # at least 256: one full tile
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CHECKS = 10
VERIFIER = Path(__file__).resolve().parents[1] / "verifier" / "bitnexus_verify.py"

# wrk asks for a random full level-0 tile each request: `tile/0/<N>` with N in x-prefixed
# 3-digit elements (c2sp.org/tlog-tiles)
LUA = """
local prefix, full = "%(prefix)s", %(full)d
local function encode(n)
  local parts = {}
  repeat
    table.insert(parts, 1, string.format("%%03d", n %% 1000))
    n = math.floor(n / 1000)
  until n == 0
  for i = 1, #parts - 1 do parts[i] = "x" .. parts[i] end
  return table.concat(parts, "/")
end
request = function()
  return wrk.format("GET", prefix .. "tile/0/" .. encode(math.random(0, full - 1)))
end
"""


def _verifier() -> ModuleType:
    """bitnexus-verify, the standalone script, as a module (it imports no server code)."""
    spec = importlib.util.spec_from_file_location("bitnexus_verify", VERIFIER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bitnexus_verify"] = module
    spec.loader.exec_module(module)
    return module


async def _load(settings: Settings) -> tuple[str, merkle.MemoryTree, tree.LogIdentity, float]:
    """A tenant whose log holds LEAVES leaves, every stored node, and a block signed at that
    size, written in bulk as the owner (hash tiles read nothing else); its slug, the tree and
    the seconds loading took."""
    urls = provision.migrate(settings)
    started = time.perf_counter()
    db = Database(urls.app, pool_size=1)
    slug = f"tiles-{uuid.uuid4().hex[:8]}"
    try:
        async with db.sessionmaker() as s, s.begin():
            tid = (await tenants.create(s, name="Bench Tiles", slug=slug)).id
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            identity = await signing.identity_for(s, settings, tid, slug)
    finally:
        await db.dispose()
    memory = merkle.MemoryTree()
    for i in range(LEAVES):
        memory.append(b"bench leaf %d" % i)
    root = memory.root()
    signed = note.sign(note.Checkpoint(identity.origin, LEAVES, root).body(), identity.signer)
    block = tree.block_hash(0, tree.GENESIS_PREV_HASH, LEAVES, root, signed)
    conn = await asyncpg.connect(libpq(urls.owner))
    try:
        await loading.store_nodes(conn, tid, memory)
        await conn.execute(
            "INSERT INTO ledger_tree_states (tenant_id, size) VALUES ($1, $2)"
            " ON CONFLICT (tenant_id) DO UPDATE SET size = excluded.size",  # the key made the row
            tid,
            LEAVES,
        )
        await conn.execute(
            "INSERT INTO ledger_blocks (tenant_id, height, prev_hash, tree_size, root_hash,"
            " checkpoint, block_hash, created_at) VALUES ($1, 0, $2, $3, $4, $5, $6, $7)",
            tid,
            tree.GENESIS_PREV_HASH,
            LEAVES,
            root,
            signed,
            block,
            utcnow(),
        )
    finally:
        await conn.close()
    return slug, memory, identity, time.perf_counter() - started


def _saved_receipts(identity: tree.LogIdentity, memory: merkle.MemoryTree) -> list[str]:
    """Receipts as an affiliate saved them at earlier sizes: a random leaf, its inclusion path
    at a random smaller size, that size's checkpoint signed by the log's key."""
    rng = random.Random(LEAVES)
    out = []
    for _ in range(CHECKS):
        size = rng.randrange(2, LEAVES)
        index = rng.randrange(size)
        body = note.Checkpoint(identity.origin, size, memory.root(size)).body()
        proof = memory.inclusion_proof(index, size)
        leaf = b"bench leaf %d" % index
        out.append(str(Receipt(leaf, index, proof, note.sign(body, identity.signer))))
    return out


def _checks(verify: ModuleType, prefix: str, vkey: str, receipts: list[str]) -> list[float]:
    """Milliseconds per check (cold: each starts with no tile), and the tiles each fetched."""
    key = verify.parse_key(vkey)
    times = []
    for receipt in receipts:
        tiles = verify.Tiles(prefix)
        started = time.perf_counter()
        _old, new, _index = verify.check_against_tiles(receipt, tiles, key)
        times.append((time.perf_counter() - started) * 1000)
        assert new.size == LEAVES
    return times


def _median(results: list[WrkResult]) -> WrkResult:
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def run() -> str:
    with bench_dir("tiles") as tmp:
        env = bench_env(tmp)
        os.environ.update(env)
        settings = Settings()
        slug, memory, identity, load_s = asyncio.run(_load(settings))
        receipts = _saved_receipts(identity, memory)
        port = _free_port()
        server = start(serve_command(port), env)
        base = f"http://127.0.0.1:{port}/api/v1/public/tenants/{slug}/ledger"
        try:
            wait_ready(f"{base}/log/checkpoint", server)
            vkey = _verifier_key(base)
            full = LEAVES // 256
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(LUA % {"prefix": f"{base}/log/", "full": full})
            wrk(f"{base}/verifier-key")  # warm-up both
            wrk(f"{base}/log/", script=lua.name)
            tiles, vkeys = [], []
            for _ in range(ROUNDS):  # alternated, so a noisy minute hits both alike
                vkeys.append(wrk(f"{base}/verifier-key"))
                tiles.append(wrk(f"{base}/log/", script=lua.name))
            os.unlink(lua.name)
            checks = _checks(_verifier(), f"{base}/log/", vkey, receipts)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _report(_median(tiles), _median(vkeys), checks, load_s)


def _verifier_key(base: str) -> str:
    return httpx.get(f"{base}/verifier-key", timeout=30).text.splitlines()[0]


def _report(tiles: WrkResult, vkeys: WrkResult, checks: list[float], load_s: float) -> str:
    ratio = tiles.rps / vkeys.rps
    return (
        f"## Public log (tlog-tiles) at {LEAVES:,} leaves\n\n"
        f"wrk, 2 threads, {os.environ.get('BENCH_CONNECTIONS', '32')} connections, "
        f"{os.environ.get('BENCH_DURATION', '10s')} per run, one uvicorn process; each request a "
        "random full level-0 tile (8,192 bytes, one range read of 256 stored nodes). Baseline: the "
        f"public verifier-key route of the same server. {ROUNDS} rounds alternated, the median "
        "shown.\n\n"
        "| route | req/s | p50 ms | p99 ms | non-2xx |\n|---|---:|---:|---:|---:|\n"
        f"| `GET …/ledger/log/tile/0/<N>` | {tiles.rps:,.0f} | {tiles.p50_ms:.2f} | "
        f"{tiles.p99_ms:.2f} | {tiles.non_2xx} |\n"
        f"| `GET …/ledger/verifier-key` (baseline) | {vkeys.rps:,.0f} | {vkeys.p50_ms:.2f} | "
        f"{vkeys.p99_ms:.2f} | {vkeys.non_2xx} |\n\n"
        f"**Ratio: {ratio:.2f}x** of the baseline's request rate (no target set).\n\n"
        f"`bitnexus-verify consistency RECEIPT --tiles URL` against today's checkpoint at "
        f"{LEAVES:,} leaves, {len(checks)} receipts saved at random earlier sizes, each check from "
        "a cold start (checkpoint and every tile fetched over HTTP): p50 "
        f"{statistics.median(checks):.1f} ms, max {max(checks):.1f} ms (consistency and inclusion "
        f"proved, signature checked). Loading the tree's {2 * LEAVES - 1:,}-ish nodes took "
        f"{load_s:.0f} s.\n"
    )
