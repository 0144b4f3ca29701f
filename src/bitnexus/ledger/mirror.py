"""A mirror (`bitnexus ledger witness --mirror`): keeps its own copy of a log and re-verifies it.

Each pass fetches the log's newest signed checkpoint and every entry the mirror does not have
yet, checks every entry (canonical RFC 8785 JSON, its own index as `seq`, the log's tenant,
balanced postings in integer minor units), recomputes the RFC 6962 root from its own copies and
compares it with the signed one. A recheck pass also fetches every entry it already holds and
compares bytes. Anything wrong is an alarm: a log line, a row in the mirror's own database, a
report to the log's API (shown to the tenant's admins), and a non-zero exit in one-shot mode.
Checkpoint and entries come from the private mirror API, or, given the log's public tlog-tiles
prefix, from its checkpoint and entry bundles (alarms still go to the API).

The copy lives in SQLite (stdlib) in the mirror's data dir: entries, every complete subtree
(so roots at any size are O(log n) reads) and the last verified head. The head advances only
when a pass finds nothing wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bitnexus.ledger import leaf, merkle, note, tiles
from bitnexus.ledger.leaf import LEAF_VERSION
from bitnexus.ledger.models import AlarmKind

log = structlog.get_logger(__name__)
PAGE = 1000


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    detail: str
    tree_size: int | None = None
    entry_index: int | None = None


@dataclass(frozen=True)
class PassResult:
    size: int
    new_entries: int
    rechecked: int
    alarm: Alarm | None

    @property
    def ok(self) -> bool:
        return self.alarm is None


class _Found(Exception):
    def __init__(self, alarm: Alarm) -> None:
        self.alarm = alarm


class MirrorStore:
    """The mirror's own copy: entries, stored subtrees, the verified head, and its alarms."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # one connection shared by the mirror thread and the status route, serialised here
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript(
            """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS nodes (
                level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
                PRIMARY KEY (level, idx));
            CREATE TABLE IF NOT EXISTS head (
                id INTEGER PRIMARY KEY CHECK (id = 1), origin TEXT NOT NULL,
                size INTEGER NOT NULL, root BLOB NOT NULL, checkpoint TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS alarms (
                id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
                tree_size INTEGER, entry_index INTEGER);
            """
        )

    def head(self) -> tuple[str | None, int, bytes]:
        with self.lock:
            row = self.db.execute("SELECT origin, size, root FROM head").fetchone()
        return (None, 0, merkle.EMPTY_ROOT) if row is None else (row[0], row[1], row[2])

    def entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        for page in range(start, end, PAGE):
            with self.lock:
                rows = self.db.execute(
                    "SELECT idx, leaf FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                    (page, min(page + PAGE, end)),
                ).fetchall()
            yield from ((i, bytes(leaf)) for i, leaf in rows)

    def read_node(self, level: int, index: int) -> bytes:
        with self.lock:
            row = self.db.execute(
                "SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, index)
            ).fetchone()
        if row is None:
            raise KeyError((level, index))
        return bytes(row[0])

    def commit(
        self,
        origin: str,
        checkpoint: note.Checkpoint,
        text: str,
        leaves: list[tuple[int, bytes]],
        nodes: dict[tuple[int, int], bytes],
    ) -> None:
        with self.lock, self.db:
            self.db.executemany("INSERT INTO entries (idx, leaf) VALUES (?, ?)", leaves)
            self.db.executemany(
                "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)",
                [(lvl, i, h) for (lvl, i), h in nodes.items()],
            )
            self.db.execute(
                "INSERT INTO head (id, origin, size, root, checkpoint) VALUES (1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, size = excluded.size,"
                " root = excluded.root, checkpoint = excluded.checkpoint",
                (origin, checkpoint.size, checkpoint.root_hash, text),
            )

    def record(self, alarm: Alarm) -> None:
        with self.lock, self.db:
            self.db.execute(
                "INSERT INTO alarms (at, kind, detail, tree_size, entry_index)"
                " VALUES (?, ?, ?, ?, ?)",
                (time.time(), alarm.kind, alarm.detail, alarm.tree_size, alarm.entry_index),
            )

    def alarms(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT at, kind, detail, tree_size, entry_index FROM alarms ORDER BY id"
            ).fetchall()
        return [
            {"at": at, "kind": k, "detail": d, "tree_size": s, "entry_index": i}
            for at, k, d, s, i in rows
        ]


def check_entry(index: int, data: bytes, tenant: str | None) -> str | None:
    """Why entry `index` is not a valid ledger transaction, or None when it is."""
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "is not JSON"
    if not isinstance(obj, dict) or leaf.canonical(obj) != data:
        return "is not canonical (RFC 8785) JSON"
    if obj.get("v") != LEAF_VERSION:
        return f"has unknown version {obj.get('v')!r}"
    if obj.get("seq") != index:
        return f"claims seq {obj.get('seq')!r}: entries are missing or out of order"
    if tenant is not None and obj.get("tenant") != tenant:
        return f"belongs to tenant {obj.get('tenant')!r}, not {tenant}"
    postings = obj.get("postings")
    if postings == [] and leaf.key_change(postings, obj.get("metadata")) is not None:
        return None  # a signing key change: it moves no money
    if not isinstance(postings, list) or len(postings) < 2:
        return "does not have two or more postings"
    sums: dict[str, int] = {}
    for p in postings:
        amount, currency = (p.get("amount"), p.get("currency")) if isinstance(p, dict) else (0, 0)
        if type(amount) is not int or not isinstance(currency, str) or not p.get("account"):
            return "has a posting without an account, an integer amount and a currency"
        sums[currency] = sums.get(currency, 0) + amount
    unbalanced = {c: s for c, s in sums.items() if s}
    if unbalanced:
        return f"does not balance: {unbalanced}"
    return None


class Mirror:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        logs: list[note.Verifier],
        store: MirrorStore,
        reporter: str,
        transport: httpx.BaseTransport | None = None,
        tiles_prefix: str | None = None,
    ) -> None:
        self.logs: dict[str, list[note.Verifier]] = {}  # a log's keys: current and retired
        for v in logs:
            self.logs.setdefault(v.name, []).append(v)
        self.store = store
        self.reporter = reporter
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1/ledger/mirror",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
            transport=transport,
        )
        self.tiles = None
        if tiles_prefix is not None:
            self.tiles = httpx.Client(
                base_url=tiles_prefix.rstrip("/") + "/",
                headers={"Authorization": f"Bearer {api_key}"},  # entry bundles need it
                timeout=30,
                transport=transport,
            )

    def _bundled(self, tiled: httpx.Client, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """Entries `start` … `end - 1` from the log's entry bundles (c2sp.org/tlog-tiles)."""
        at = start
        while at < end:
            n = at // tiles.TILE_WIDTH
            width = min(tiles.TILE_WIDTH, end - n * tiles.TILE_WIDTH)
            r = tiled.get(tiles.tile_path("entries", n, width))
            if r.status_code == 404 and width < tiles.TILE_WIDTH:  # filled up since: take it whole
                r = tiled.get(tiles.tile_path("entries", n))
            if r.status_code == 404:
                raise _Found(
                    Alarm(AlarmKind.rollback, f"the log serves no entry {at}, below {end}", end, at)
                )
            r.raise_for_status()
            try:
                bundle = tiles.split_bundle(r.content)[:width]
            except ValueError as exc:
                alarm = Alarm(AlarmKind.bad_entry, f"entry bundle {n}: {exc}", end, at)
                raise _Found(alarm) from exc
            if len(bundle) < width:
                raise _Found(Alarm(AlarmKind.bad_entry, f"entry bundle {n} is short", end, at))
            for data in bundle[at - n * tiles.TILE_WIDTH :]:
                yield at, data
                at += 1

    def _entries(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """Entries `start` … `end - 1` as the log serves them now."""
        if self.tiles is not None:
            yield from self._bundled(self.tiles, start, end)
            return
        at = start
        while at < end:
            r = self.http.get("/entries", params={"start": at, "limit": min(PAGE, end - at)})
            r.raise_for_status()
            page = r.json()["entries"]
            if not page:
                raise _Found(
                    Alarm(
                        AlarmKind.rollback,
                        f"the log serves no entry {at}, below its signed size {end}",
                        end,
                        at,
                    )
                )
            for text in page[: end - at]:
                try:
                    yield at, base64.b64decode(text, validate=True)
                except binascii.Error:
                    raise _Found(
                        Alarm(AlarmKind.bad_entry, f"entry {at} is not base64", end, at)
                    ) from None
                at += 1

    def _checkpoint(self) -> tuple[note.Checkpoint, str]:
        r = self.http.get("/checkpoint") if self.tiles is None else self.tiles.get("checkpoint")
        r.raise_for_status()
        text = r.text
        try:
            origin = note.parse_checkpoint(note.parse(text).text).origin
            verifiers = self.logs.get(origin)
            if verifiers is None:
                raise note.NoteError(f"unknown log origin {origin!r}")
            return note.parse_checkpoint(note.verify_any(text, verifiers)[0].text), text
        except (note.NoteError, ValueError) as exc:
            raise _Found(Alarm(AlarmKind.bad_signature, f"checkpoint rejected: {exc}")) from exc

    def _verify(self, recheck: bool) -> PassResult:
        checkpoint, text = self._checkpoint()
        origin, size, root = self.store.head()
        if origin is not None and origin != checkpoint.origin:
            raise _Found(
                Alarm(AlarmKind.fork, f"this mirror holds {origin}, the log is {checkpoint.origin}")
            )
        if checkpoint.size < size:
            raise _Found(
                Alarm(
                    AlarmKind.rollback,
                    f"signed size {checkpoint.size} is smaller than the mirrored {size}",
                    checkpoint.size,
                )
            )
        if checkpoint.size == size and checkpoint.root_hash != root:
            raise _Found(Alarm(AlarmKind.fork, f"two different signed roots at size {size}", size))
        tenant = None
        rechecked = 0
        if size:
            first = next(self.store.entries(0, 1))[1]
            tenant = json.loads(first).get("tenant")
        if recheck:
            served = self._entries(0, size)
            for (index, kept), (_i, now) in zip(self.store.entries(0, size), served, strict=True):
                if kept != now:
                    raise _Found(
                        Alarm(
                            AlarmKind.rewrite,
                            f"entry {index} changed since it was mirrored",
                            checkpoint.size,
                            index,
                        )
                    )
                rechecked += 1

        pending: dict[tuple[int, int], bytes] = {}

        def read(level: int, index: int) -> bytes:
            return pending.get((level, index)) or self.store.read_node(level, index)

        leaves: list[tuple[int, bytes]] = []
        for index, data in self._entries(size, checkpoint.size):
            problem = check_entry(index, data, tenant)
            if problem:
                raise _Found(
                    Alarm(AlarmKind.bad_entry, f"entry {index} {problem}", checkpoint.size, index)
                )
            if tenant is None:
                tenant = json.loads(data).get("tenant")
            for level, i, h in merkle.nodes_completed_by(index, merkle.leaf_hash(data), read):
                pending[(level, i)] = h
            leaves.append((index, data))
        if merkle.root_hash(checkpoint.size, read) != checkpoint.root_hash:
            raise _Found(
                Alarm(
                    AlarmKind.fork,
                    f"the signed root at size {checkpoint.size} is not the root of the entries",
                    checkpoint.size,
                )
            )
        self.store.commit(checkpoint.origin, checkpoint, text, leaves, pending)
        return PassResult(checkpoint.size, len(leaves), rechecked, None)

    def run_once(self, recheck: bool = False) -> PassResult:
        """One pass: verify, then either advance the head or raise (record and report) an alarm."""
        try:
            result = self._verify(recheck)
        except _Found as found:
            _origin, size, _root = self.store.head()
            result = PassResult(size, 0, 0, found.alarm)
            self._raise(found.alarm)
        else:
            log.info("mirror.pass", size=result.size, new_entries=result.new_entries)
        return result

    def _raise(self, alarm: Alarm) -> None:
        self.store.record(alarm)
        log.error(
            "mirror.alarm",
            kind=alarm.kind,
            detail=alarm.detail,
            tree_size=alarm.tree_size,
            entry_index=alarm.entry_index,
        )
        try:
            self.http.post(
                "/alarms",
                json={"reporter": self.reporter, **asdict(alarm)},
            ).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("mirror.alarm_not_reported", error=str(exc))

    def run_forever(self, interval: float, stop: Callable[[], bool]) -> None:
        """Pass after pass; network failures are logged and retried, never alarms."""
        while not stop():
            try:
                self.run_once(recheck=False)
            except httpx.HTTPError as exc:
                log.warning("mirror.unreachable", error=str(exc))
            deadline = time.monotonic() + interval
            while time.monotonic() < deadline and not stop():
                time.sleep(0.2)


def routes(store: MirrorStore) -> list[Route]:
    """`GET /mirror`: the verified head and every alarm, for whoever watches this mirror."""

    async def status(_request: Request) -> Response:
        origin, size, root = store.head()
        return JSONResponse(
            {
                "origin": origin,
                "size": size,
                "root": base64.b64encode(root).decode(),
                "alarms": store.alarms(),
            }
        )

    return [Route("/mirror", status, methods=["GET"])]


@contextmanager
def opened(data_dir: Path) -> Iterator[MirrorStore]:
    store = MirrorStore(data_dir / "mirror.sqlite")
    try:
        yield store
    finally:
        store.db.close()
