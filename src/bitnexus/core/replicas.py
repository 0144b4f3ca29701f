"""Read replicas (docs/replicas.md): where a read-only unit of work runs.

Each replica named by `DATABASE_READ_URL` gets a pool of its own (`make_engine`, as the
primary's). Its lag is measured every few seconds against the primary's WAL position; a replica
that cannot be reached, is not a standby, or lags more than `BITNEXUS_REPLICA_MAX_LAG_SECONDS`
is skipped until a later measurement finds it well again. With none usable, reads go to the
primary, in the same read-only transaction a replica would give them.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bitnexus.core.db import Database, make_engine
from bitnexus.core.metrics.families import REPLICA_LAG, REPLICA_READS, REPLICA_USABLE

log = structlog.get_logger(__name__)

# what a replica is asked each time: whether it is a standby, how far it has replayed, and
# when the last transaction it replayed committed (by its own clock, against its own now())
_REPLICA_STATE = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)


# SQLSTATEs a standby cancels a query with to replay the primary's WAL past it
RECOVERY_CONFLICTS = frozenset({"40001", "40P01", "57P04"})


def recovery_conflict(error: BaseException) -> bool:
    """Whether `error` is a standby's query cancelled by replay (SQLAlchemy wraps the driver's
    error, which carries the SQLSTATE, somewhere in its chain of causes)."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RECOVERY_CONFLICTS:
            return "recovery" in str(seen)
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def parse_lsn(text: str) -> int:
    """A WAL position ("16/B374D848") as a number that orders as the WAL does."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def replay_lag(
    history: Sequence[tuple[float, int]], replayed: int, now: float, since_commit: float | None
) -> float:
    """Seconds a replica that has replayed up to `replayed` may be behind the primary, from the
    primary's WAL positions sampled at monotonic times (`history`, oldest first, the newest taken
    just before the replica was asked).

    Replayed as far as the newest sample: 0 (the replay timestamp is not looked at: on an idle
    primary it is old however current the replica is). Else the time since the newest sample it
    had replayed, an upper bound: everything committed before that sample is on the replica.
    Past every sample kept (the first measurement has one), the longer of the time since the
    oldest and the time since the last transaction it replayed committed (`since_commit`; None:
    it has replayed none since it started): a replica still replaying old WAL is far behind by
    the second, one a moment behind a busy primary by neither."""
    if not history or replayed >= history[-1][1]:
        return 0.0
    for sampled_at, position in reversed(history):
        if position <= replayed:
            return now - sampled_at
    return max(now - history[0][0], since_commit or 0.0)


class ReplicaState(StrEnum):
    unknown = "unknown"  # not measured yet: skipped
    streaming = "streaming"  # measured; usable while its lag is within the limit
    down = "down"  # could not be reached (or a connection to it failed)
    not_standby = "not_standby"  # answers, but is no standby (promoted, or a primary)


class Replica:
    """One replica: its pool, a read-only session factory over it, its last measurement."""

    def __init__(self, url: URL, *, pool_size: int, connect_seconds: float) -> None:
        self.name = f"{url.host or url.query.get('host') or 'localhost'}:{url.port or 5432}"
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        event.listen(self.engine.sync_engine, "do_connect", _timeout(connect_seconds), insert=True)
        self.sessionmaker = read_only_sessions(self.engine)
        self.state = ReplicaState.unknown
        self.lag: float | None = None

    def usable(self, max_lag: float) -> bool:
        return self.state is ReplicaState.streaming and self.lag is not None and self.lag <= max_lag


def _timeout(seconds: float) -> Any:
    def connect_within(_dialect: Any, _record: Any, _cargs: Any, cparams: Any) -> None:
        cparams.setdefault("timeout", seconds)  # asyncpg's connect timeout (default: 60 s)

    return connect_within


def read_only_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose transactions begin READ ONLY (the flag is reset when the connection goes
    back to the pool, so a pool shared with writers is safe)."""
    return async_sessionmaker(
        engine.execution_options(postgresql_readonly=True), expire_on_commit=False
    )


@dataclass(frozen=True)
class ReadTarget:
    """Where one read-only unit of work may run: a replica, or (None) the primary."""

    replica: Replica | None
    sessionmaker: async_sessionmaker[AsyncSession]


class Reads:
    """The process's read routing: its replicas, measured, and the primary to fall back to."""

    def __init__(
        self,
        primary: Database,
        urls: Sequence[URL] = (),
        *,
        max_lag_seconds: float = 5.0,
        pool_size: int = 10,
        connect_seconds: float = 2.0,
    ) -> None:
        self.primary = primary
        self.max_lag = max_lag_seconds
        self.connect_seconds = connect_seconds
        self.replicas = [
            Replica(url, pool_size=pool_size, connect_seconds=connect_seconds) for url in urls
        ]
        self._primary_target = ReadTarget(None, read_only_sessions(primary.engine))
        self._turn = itertools.count()
        # the primary's WAL positions by monotonic time, back far enough to tell "over the limit"
        self._history: deque[tuple[float, int]] = deque()
        for replica in self.replicas:
            REPLICA_USABLE.labels(replica.name).set(0)

    def targets(self) -> list[ReadTarget]:
        """Where to try a read, in order: the usable replicas (taking turns), then the primary."""
        usable = [r for r in self.replicas if r.usable(self.max_lag)]
        if usable:
            first = next(self._turn) % len(usable)
            usable = usable[first:] + usable[:first]
        return [*(ReadTarget(r, r.sessionmaker) for r in usable), self._primary_target]

    def served(self, target: ReadTarget) -> None:
        REPLICA_READS.labels("primary" if target.replica is None else "replica").inc()

    async def failed(self, replica: Replica, error: BaseException) -> None:
        """A connection to `replica` failed under a request: skip it until a measurement finds
        it back, and drop its pooled connections (a restarted server closed them all)."""
        if replica.state is not ReplicaState.down:
            log.warning("replica.down", replica=replica.name, error=str(error)[:300])
        self._mark(replica, ReplicaState.down, None)
        await replica.engine.dispose()

    async def check(self) -> None:
        """Measure every replica once (the periodic job's pass; tests call it directly)."""
        if not self.replicas:
            return
        primary = await self._primary_position()
        now = time.monotonic()
        if primary is not None:
            self._history.append((now, primary))
            # kept: twice the limit, so "behind every sample" means well over it
            while len(self._history) > 2 and now - self._history[1][0] > 2 * self.max_lag:
                self._history.popleft()
        await asyncio.gather(*(self._check(replica) for replica in self.replicas))

    async def _primary_position(self) -> int | None:
        try:
            async with self.primary.statements() as connection:
                return parse_lsn(await connection.fetchval("SELECT pg_current_wal_lsn()::text"))
        except Exception as error:  # the primary's own outage is reported elsewhere
            log.info("replica.primary_position_unknown", error=str(error)[:300])
            return None

    async def _check(self, replica: Replica) -> None:
        try:
            async with asyncio.timeout(self.connect_seconds * 2):
                async with replica.engine.connect() as connection:
                    row = (await connection.exec_driver_sql(_REPLICA_STATE)).one()
        except Exception as error:
            await self.failed(replica, error)
            return
        in_recovery, replayed, since_commit = tuple(row)
        if not in_recovery or replayed is None:
            if replica.state is not ReplicaState.not_standby:
                log.warning("replica.not_standby", replica=replica.name)
            self._mark(replica, ReplicaState.not_standby, None)
            return
        lag = replay_lag(self._history, parse_lsn(replayed), time.monotonic(), since_commit)
        was_usable = replica.usable(self.max_lag)
        self._mark(replica, ReplicaState.streaming, lag)
        if was_usable != replica.usable(self.max_lag):
            event_name = "replica.usable" if not was_usable else "replica.lagging"
            log.warning(event_name, replica=replica.name, lag_seconds=round(lag, 3))

    def _mark(self, replica: Replica, state: ReplicaState, lag: float | None) -> None:
        replica.state, replica.lag = state, lag
        REPLICA_LAG.labels(replica.name).set(-1 if lag is None else min(lag, 1e9))
        REPLICA_USABLE.labels(replica.name).set(int(replica.usable(self.max_lag)))

    def status(self) -> list[dict[str, object]]:
        """Each replica's last measurement (for logs and the operator)."""
        return [
            {"replica": r.name, "state": r.state.value, "lag_seconds": r.lag} for r in self.replicas
        ]

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.engine.dispose()
