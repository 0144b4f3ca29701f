"""The click recorder: `record(visit)` returns once the click is durable, and the click reaches
PostgreSQL a moment later.

Durability: a write-ahead file on local disk (`spool`). The clicks recorded in one turn of the
event loop are written to the process's spool segment together, in one `pwrite`, and their
callers released: from then on the kernel has them, and a process killed at any moment (kill
-9, a crash, the OOM killer) loses no recorded click. The segment is fdatasynced in a thread
every `SYNC_SECONDS` while it has unsynced clicks, so a power cut or a kernel crash loses at most
the clicks of that last interval (as PostgreSQL's `synchronous_commit = off` is bounded). A
drain writes the spooled clicks to PostgreSQL in batches, one statement per tenant, on a few
connections of the recorder's own (their tenant a session setting, changed only when a batch is
another tenant's; through a transaction-mode pooler, each batch a transaction scoped to its
tenant: docs/pooling.md); a segment is deleted once all its clicks are there. A dead process's
segments are unlocked; any process replays them at start and every minute (idempotent on the
click id; tests/tracking/test_click_durability.py). A line PostgreSQL refuses for its data is
moved to the quarantine (`quarantine`) and the others stored: one bad click never holds back the
rest (tests/tracking/test_spool_quarantine.py). A click stored after its hour was rolled up
(a spool replayed late) joins that hour's rollup as it is stored (test_late_clicks.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog

from bitnexus.core.db import Database, tenant_statement
from bitnexus.core.dburl import libpq
from bitnexus.tracking import repository, rollups
from bitnexus.tracking.recorder import quarantine, spool
from bitnexus.tracking.recorder.codec import Line, decode, encode, fit
from bitnexus.tracking.recorder.quarantine import Refusal
from bitnexus.tracking.rules import RATE, UNIQUE, RateWatch
from bitnexus.tracking.visitors import Salts, Visit, hashes

log = structlog.get_logger(__name__)

DRAIN_GATHER_SECONDS = 0.02  # what the drain waits for more clicks before a small batch
SYNC_SECONDS = 0.01  # how long a written click may wait for its fdatasync

_Waiting = tuple[uuid.UUID, bytes, "asyncio.Future[None]"]


@dataclass(slots=True)
class _Connection:
    raw: asyncpg.Connection
    tenant_id: uuid.UUID | None = None  # the session's tenant setting


class ClickRecorder:
    """Write-ahead for clicks: `record` returns once the click is in this process's spool
    file. The clicks recorded in one turn of the event loop are written together, in one
    `pwrite` (the kernel then has them: they outlive this process however it dies), and the
    segment is fdatasynced off the loop every `sync_seconds` while it has unsynced clicks (a
    power cut loses at most that much). A drain then writes the clicks to PostgreSQL in
    batches, one statement per tenant, and deletes a segment once all its clicks are there.
    Segments of dead processes are replayed at start and every `recover_seconds`."""

    def __init__(
        self,
        db: Database,
        spool_dir: Path,
        *,
        max_batch: int = 2000,
        max_unsaved: int = 200_000,
        in_flight: int = 3,
        recover_seconds: float = 60.0,
        sync_seconds: float = SYNC_SECONDS,
        segment_bytes: int = spool.SEGMENT_BYTES,
    ) -> None:
        self._db = db
        self._dsn = libpq(db.engine.url)
        self._pooled = db.pooled  # through a transaction-mode pooler: no session setting
        self._salts = Salts(db)
        self._rates = RateWatch(RATE)
        self._spool_dir = spool_dir
        self._max_batch = max_batch
        self._max_unsaved = max_unsaved
        self._handoffs = 0  # times the waiting clicks were left to `recover`
        self._recover_seconds = recover_seconds
        self._sync_seconds = sync_seconds
        self._segment_bytes = segment_bytes
        self._queued: list[_Waiting] = []  # recorded in this turn of the loop, not written
        self._flushing = False
        self._closed = False
        self._segment: spool.Segment | None = None  # the one being written
        self._next: asyncio.Future[spool.Segment] | None = None  # the one after, being made
        self._unsynced: set[spool.Segment] = set()
        self._syncing: asyncio.Task[None] | None = None
        self._in_segment: dict[spool.Segment, int] = {}  # its clicks PostgreSQL may not have
        self._unsaved: deque[tuple[uuid.UUID, bytes, spool.Segment]] = deque()
        self._draining: asyncio.Task[None] | None = None
        self._recovering: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        self._settled.set()
        # at most `in_flight` connections, however many tenants a batch has
        self._connections = asyncio.Semaphore(in_flight)
        self._idle: list[_Connection] = []

    def start(self) -> None:
        """Make the first segment ready; replay what dead processes left, now and every
        `recover_seconds`."""
        self._make_next()
        if self._recovering is None:
            self._recovering = asyncio.create_task(self._recover_forever())

    async def record(self, visit: Visit) -> None:
        """Return once `visit` is in the spool (flagged `rate` first if this process has seen
        its address click its link too often: `RateWatch`), as the table takes it (`fit`:
        ValueError for what it cannot mend)."""
        visit = fit(visit)
        salt = self._salts.known(visit.at) or await self._salts.today(visit.at)
        await self._queue(visit, salt)

    def record_soon(self, visit: Visit) -> asyncio.Future[None] | None:
        """`record` without a coroutine: the future is done once `visit` is in the spool; None
        (nothing recorded) while the day's address salt is not known yet."""
        visit = fit(visit)
        salt = self._salts.known(visit.at)
        return None if salt is None else self._queue(visit, salt)

    def _queue(self, visit: Visit, salt: bytes) -> asyncio.Future[None]:
        """Queue `visit` for this turn of the loop's spool write; done once written."""
        ip_hash, visitor_hash = hashes(visit, salt)
        if self._rates.too_fast(visit.link_id, ip_hash, time.monotonic()) and not visit.bot_reason:
            visit.bot_reason = "rate"
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((visit.tenant_id, encode((visit, ip_hash, visitor_hash)), done))
        self._settled.clear()
        if not self._flushing:  # once per turn of the loop: its clicks share one write
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)
        return done

    async def quarantined(self) -> quarantine.Summary:
        """The clicks PostgreSQL refused, kept for an operator in the spool's quarantine."""
        return await asyncio.to_thread(quarantine.summary, self._spool_dir)

    @property
    def spool_dir(self) -> Path:
        return self._spool_dir

    def backlog(self) -> tuple[int, float]:
        """Clicks in this process's spool PostgreSQL does not have yet, and the oldest one's age
        in seconds (0: none waits); for the metrics."""
        if not self._unsaved:
            return 0, 0.0
        oldest = decode(self._unsaved[0][1])[0].at
        return len(self._unsaved), max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds())

    async def settled(self) -> None:
        """Wait until every click recorded so far is in PostgreSQL."""
        await self._settled.wait()

    async def close(self) -> None:
        """Save what is pending (for a while: what cannot be saved stays in the spool for the
        next start) and let go of the spool."""
        if self._recovering is not None:
            self._recovering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovering
        try:
            await asyncio.wait_for(self.settled(), timeout=10)
        except TimeoutError:
            log.warning("clicks.unsaved_at_close", count=len(self._unsaved))
        for task in (self._draining, self._syncing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._closed = True
        self._flush()  # fails whatever is still queued
        current, self._segment = self._segment, None
        if current is not None and current not in self._in_segment:
            current.delete()  # nothing was written to it
        for segment, count in self._in_segment.items():
            if count:
                segment.sync()
                segment.release()  # for `recover`
            else:
                segment.delete()
        self._in_segment.clear()
        if self._next is not None:
            with contextlib.suppress(Exception):
                (await self._next).delete()  # made ahead, never written
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.raw.close()

    # -- the write-ahead file ---------------------------------------------------------------

    def _flush(self) -> None:
        """Write the clicks recorded in this turn of the loop to the spool, in one write, and
        release their redirects."""
        self._flushing = False
        group, self._queued = self._queued, []
        if not group:
            return
        if self._closed:
            self._fail(group, RuntimeError("the click recorder was closed"))
            return
        data = b"".join(line for _, line, _ in group)
        try:
            segment = self._room_for(len(data))
            segment.write(data)
        except OSError as failed:  # the visitors are still sent on; the loss is logged
            log.error("clicks.spool_write_failed", count=len(group), exc_info=True)
            self._fail(group, failed)
            return
        for tenant, line, done in group:
            self._unsaved.append((tenant, line, segment))
            if not done.done():
                done.set_result(None)
        self._in_segment[segment] = self._in_segment.get(segment, 0) + len(group)
        self._unsynced.add(segment)
        if self._syncing is None:
            self._syncing = asyncio.create_task(self._sync_soon())
        if len(self._unsaved) > self._max_unsaved:
            self._hand_off()
        if self._draining is None and self._unsaved:
            self._draining = asyncio.create_task(self._drain())

    def _fail(self, group: list[_Waiting], error: Exception) -> None:
        for *_, done in group:
            if not done.done():
                done.set_exception(error)
        self._note_settled()

    def _room_for(self, size: int) -> spool.Segment:
        """The segment to write `size` bytes to: the current one, else the one made ahead
        (made here and now if it is not ready), and the next one set making."""
        segment = self._segment
        if segment is not None and segment.room(size):
            return segment
        if segment is not None:
            self._segment = None
            self._forget_if_saved(segment)  # full: moved on from
        segment = self._made_ahead(size) or spool.create(
            self._spool_dir, max(self._segment_bytes, size)
        )
        self._segment = segment
        self._make_next()
        return segment

    def _made_ahead(self, size: int) -> spool.Segment | None:
        """The segment made ahead, if it is ready (and big enough); one not ready yet stays
        the next one."""
        made = self._next
        if made is None or not made.done():
            return None
        self._next = None
        if made.cancelled() or made.exception() is not None:
            return None  # (logged)
        segment = made.result()
        if segment.room(size):
            return segment
        segment.delete()
        return None

    def _make_next(self) -> None:
        """Have a thread make the next segment (8 MiB written and synced) before it is needed."""
        if self._next is None:
            made = asyncio.to_thread(spool.create, self._spool_dir, self._segment_bytes)
            self._next = asyncio.ensure_future(made)
            self._next.add_done_callback(_log_failure)

    async def _sync_soon(self) -> None:
        """Every `sync_seconds`, fdatasync the segments written since their last sync (in a
        thread: the loop goes on answering), until none is left."""
        try:
            while self._unsynced:
                await asyncio.sleep(self._sync_seconds)
                segments, self._unsynced = self._unsynced, set()
                await asyncio.to_thread(_sync_all, segments)
        finally:
            self._syncing = None

    def _forget_if_saved(self, segment: spool.Segment) -> None:
        """Delete a segment moved on from once PostgreSQL has all its clicks."""
        if segment is not self._segment and not self._in_segment.get(segment, 1):
            del self._in_segment[segment]
            self._unsynced.discard(segment)
            segment.delete()

    # -- into PostgreSQL ----------------------------------------------------------------------

    async def _drain(self) -> None:
        try:
            while self._unsaved:
                if len(self._unsaved) < self._max_batch:
                    await asyncio.sleep(DRAIN_GATHER_SECONDS)  # let a bigger batch gather
                batch = [self._unsaved[i] for i in range(min(len(self._unsaved), self._max_batch))]
                handoffs = self._handoffs
                try:
                    refused = await self._save([(tenant, line) for tenant, line, _ in batch])
                    if refused:
                        of = {line: segment.path.name for _, line, segment in batch}
                        for name in dict.fromkeys(of[r.line] for r in refused):
                            await self._quarantine(name, [r for r in refused if of[r.line] == name])
                except Exception as error:  # kept in the spool; tried again
                    _store_failed("clicks.save_failed", error, count=len(batch))
                    await asyncio.sleep(1.0)
                    continue
                if handoffs != self._handoffs:
                    continue  # the batch was left to `recover` meanwhile (stored twice: harmless)
                for _ in batch:
                    *_, segment = self._unsaved.popleft()
                    self._in_segment[segment] -= 1
                for segment in {segment for *_, segment in batch}:
                    self._forget_if_saved(segment)
        finally:
            self._draining = None
            if self._unsaved and not asyncio.current_task().cancelling():  # type: ignore[union-attr]
                self._draining = asyncio.create_task(self._drain())
            self._note_settled()

    def _hand_off(self) -> None:
        """Too many clicks wait for PostgreSQL (it is down or slow): let go of their segments
        and forget them, so memory stays bounded; `recover` replays them from disk."""
        segments = {segment for *_, segment in self._unsaved}
        log.warning("clicks.left_to_recovery", count=len(self._unsaved), segments=len(segments))
        self._unsaved.clear()
        self._handoffs += 1
        for segment in segments:
            del self._in_segment[segment]
            self._unsynced.discard(segment)
            if segment is self._segment:
                self._segment = None  # the next write takes another
            segment.sync()  # (on the loop: rare, and the periodic sync no longer sees it)
            segment.release()

    def _note_settled(self) -> None:
        if not (self._queued or self._unsaved or self._draining):
            self._settled.set()

    async def _save(self, lines: Sequence[Line]) -> list[Refusal]:
        """Write clicks to PostgreSQL, one statement per tenant (idempotent on the click id);
        returns the lines refused for their data, the only ones not stored. Raises when
        PostgreSQL cannot be asked (`quarantine.unavailable`): the lines are then to be tried
        again, all of them."""
        late = bool(lines) and _late(lines[0][1])  # the oldest: lines are in the order recorded
        by_tenant: dict[uuid.UUID, list[bytes]] = defaultdict(list)
        for tenant_id, line in lines:
            by_tenant[tenant_id].append(line)
        refused = await asyncio.gather(*(self._store(t, ls, late) for t, ls in by_tenant.items()))
        return [r for rs in refused for r in rs]

    async def _store(self, tenant_id: uuid.UUID, lines: list[bytes], late: bool) -> list[Refusal]:
        """Write one tenant's lines in one statement; if PostgreSQL refuses it (and was there
        to refuse it), write each half on its own, down to single lines: a line refused alone
        for its data is returned, unwritten. (Halves stored before are stored again harmlessly:
        the click id decides.)"""
        try:
            await self._write(tenant_id, b"".join(lines), late)
        except Exception as error:
            if quarantine.unavailable(error):
                raise
            if len(lines) == 1:
                refused = quarantine.refusal(lines[0], error)
                if refused is None:  # not the line's fault: the batch waits, like any failure
                    raise
                return [refused]
            half = len(lines) // 2
            return [
                *await self._store(tenant_id, lines[:half], late),
                *await self._store(tenant_id, lines[half:], late),
            ]
        return []

    async def _quarantine(self, segment: str, refused: list[Refusal]) -> None:
        """Move the refused lines of `segment` to its quarantine file, and say so at ERROR."""
        now = dt.datetime.now(dt.UTC)
        path, added = await asyncio.to_thread(
            quarantine.add, self._spool_dir, segment, refused, now
        )
        if added:
            log.error(
                "clicks.quarantined",
                count=added,
                file=str(path),
                segment=segment,
                reasons=sorted({r.reason for r in refused})[:5],
            )

    async def _write(self, tenant_id: uuid.UUID, lines: bytes, late: bool) -> None:
        connection = None
        try:
            async with self._connections:
                connection = self._idle.pop() if self._idle else await self._connect()
                raw = connection.raw
                insert = repository.insert_late_clicks if late else repository.insert_clicks
                if self._pooled:  # the tenant is the transaction's, as the server connection is
                    async with raw.transaction():
                        await raw.execute(tenant_statement(tenant_id))
                        await insert(raw, tenant_id, lines, rate=RATE, unique=UNIQUE)
                    self._idle.append(connection)
                    return
                if connection.tenant_id != tenant_id:
                    connection.tenant_id = None  # unknown until the setting is confirmed
                    await raw.execute(
                        "SELECT set_config('bitnexus.tenant_id', $1, false)", str(tenant_id)
                    )
                    connection.tenant_id = tenant_id
                await insert(raw, tenant_id, lines, rate=RATE, unique=UNIQUE)
                self._idle.append(connection)
        except BaseException as error:
            if connection is None:
                pass
            elif quarantine.for_its_data(error):
                self._idle.append(connection)  # a statement refused: the session is as it was
            else:  # in an unknown state: never reused
                connection.raw.terminate()
            raise

    async def _connect(self) -> _Connection:
        settings = {"application_name": "bitnexus-clicks"}
        if not self._pooled:  # (a pooler refuses it: there, every statement is planned anew)
            # plan each batch for its own rows: a generic plan, made while the table was
            # small and kept for the connection's life, scans a day of clicks per click
            settings["plan_cache_mode"] = "force_custom_plan"
        cache = 0 if self._pooled else 100  # no named statement through a pooler
        raw = await asyncpg.connect(self._dsn, server_settings=settings, statement_cache_size=cache)
        return _Connection(raw)

    # -- what dead processes left -----------------------------------------------------------

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.recover()
            except Exception as error:
                _store_failed("clicks.recovery_failed", error)
            await asyncio.sleep(self._recover_seconds)

    async def recover(self) -> int:
        """Write the clicks of every segment no live process holds to PostgreSQL, then delete
        the segment; returns how many clicks were replayed."""
        replayed = 0
        taken = await asyncio.to_thread(lambda: list(spool.orphans(self._spool_dir)))
        try:
            while taken:
                segment = taken[0]
                lines = await asyncio.to_thread(spool.lines, segment.path)
                rows, unreadable = quarantine.readable(segment.path.name, lines)
                refused = list(unreadable)
                for first in range(0, len(rows), self._max_batch):
                    refused += await self._save(rows[first : first + self._max_batch])
                if refused:
                    await self._quarantine(segment.path.name, refused)
                taken.pop(0).delete()
                stored = len(rows) + len(unreadable) - len(refused)
                replayed += stored
                log.info("clicks.replayed", segment=segment.path.name, count=stored)
        finally:
            for segment in taken:  # not replayed (PostgreSQL failed): left for the next try
                segment.release()
        return replayed


def _store_failed(event: str, error: Exception, **fields: object) -> None:
    """Log a failed store: a warning while PostgreSQL is out of reach (it comes back), an
    error otherwise (the code or the schema is wrong: the clicks wait for a person)."""
    if quarantine.unavailable(error):
        log.warning(event, exc_info=error, **fields)
    else:
        log.error(event, exc_info=error, **fields)


def _late(line: bytes) -> bool:
    """Whether a click is old enough that its hour may be rolled up already (half the rollup's
    settling time: room for hosts' clocks that disagree by a few minutes); unreadable: yes."""
    try:
        return dt.datetime.now(dt.UTC) - decode(line)[0].at > rollups.SETTLE / 2
    except (ValueError, TypeError):
        return True


def _sync_all(segments: Iterable[spool.Segment]) -> None:
    for segment in segments:
        try:
            segment.sync()
        except OSError:  # one deleted meanwhile is fine; any other failure is not
            if not segment.closed:
                log.error("clicks.spool_sync_failed", segment=segment.path.name, exc_info=True)


def _log_failure(made: asyncio.Future[spool.Segment]) -> None:
    if not made.cancelled() and made.exception() is not None:
        log.error("clicks.segment_not_made", exc_info=made.exception())
