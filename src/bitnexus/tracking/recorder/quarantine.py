"""Spooled clicks PostgreSQL refuses for their own data, kept aside so that they never hold back
the others.

A batch of spooled clicks that PostgreSQL refuses is written again in halves, down to single
lines, unless PostgreSQL could not be asked at all (`unavailable`: then the whole batch waits
and is tried again). A line refused on its own for its data (SQLSTATE classes 22 and 23: a value
too long, an unknown code, a broken line) is moved here: `<spool>/quarantine/<segment>.jsonl`,
one JSON object a line with the spool line as it was, the reason and the time, so an operator
can mend it and hand it back (docs/marketplace.md, Clicks). Every other click is stored.

A line is added once however often its segment is replayed (a crash between quarantining a line
and deleting its segment replays the segment): the file is locked while it is read and added to.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import orjson
import structlog

from bitnexus.tracking.recorder.codec import Line, decode
from bitnexus.tracking.recorder.spool import sync_directory

log = structlog.get_logger(__name__)

DIRECTORY = "quarantine"
SUFFIX = ".jsonl"
# PostgreSQL could not be asked: no connection (08), out of resources (53), shutting down or
# cancelled (57), a system or internal error (58, XX), a transaction conflict (40), refused
# credentials or a missing database (28, 3D). Nothing in a batch's lines is at fault.
UNAVAILABLE_CLASSES = frozenset({"08", "28", "3D", "40", "53", "57", "58", "XX"})
# A line refused for what it holds: a data exception (22) or a broken constraint (23).
REFUSED_CLASSES = frozenset({"22", "23"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """A spool line that PostgreSQL (or, unreadable, the recorder) refused, and why."""

    line: bytes  # as the spool holds it
    reason: str
    sqlstate: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """The quarantine as it stands on disk: lines kept there and the files holding them."""

    lines: int
    files: tuple[Path, ...]


def unavailable(error: BaseException) -> bool:
    """`error` says PostgreSQL could not be asked (a lost or refused connection, a server
    shutting down or out of connections, a timeout): a batch failing so is kept whole."""
    if isinstance(error, OSError | asyncpg.InterfaceError | asyncpg.InternalClientError):
        return True  # (TimeoutError and ConnectionError are OSErrors)
    return _class_of(error) in UNAVAILABLE_CLASSES


def for_its_data(error: BaseException) -> bool:
    """PostgreSQL refused a statement for the values it was given."""
    return _class_of(error) in REFUSED_CLASSES


def refusal(line: bytes, error: BaseException) -> Refusal | None:
    """Why PostgreSQL refused `line`, written on its own, if the fault is in its data."""
    if not for_its_data(error):
        return None
    return Refusal(line, str(error) or type(error).__name__, getattr(error, "sqlstate", None))


def _class_of(error: BaseException) -> str:
    state = getattr(error, "sqlstate", None)
    return state[:2] if isinstance(state, str) else ""


def path_for(spool_dir: Path, segment: str) -> Path:
    """The quarantine file of the spool segment named `segment`."""
    return spool_dir / DIRECTORY / f"{Path(segment).stem}{SUFFIX}"


def add(
    spool_dir: Path, segment: str, refused: Sequence[Refusal], now: dt.datetime
) -> tuple[Path, int]:
    """Add the lines of `segment` that were refused to its quarantine file, each once, synced to
    disk; returns the file and how many lines were new to it (blocking: call it in a thread)."""
    path = path_for(spool_dir, segment)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process may be replaying the same segment
        kept = {record["line"] for record in _records(path.read_bytes())}
        new: list[bytes] = []
        for r in refused:
            line = _text(r.line)
            if line not in kept:
                kept.add(line)
                record = {
                    "quarantined_at": now.isoformat(),
                    "segment": segment,
                    "reason": r.reason,
                    "sqlstate": r.sqlstate,
                    "line": line,
                }
                new.append(orjson.dumps(record) + b"\n")
        if new:
            data = b"".join(new)
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
            sync_directory(path.parent)
    finally:
        os.close(fd)  # (and the lock with it)
    return path, len(new)


def _text(line: bytes) -> str:
    return line.rstrip(b"\n").decode("utf-8", "backslashreplace")


def _records(data: bytes) -> Iterable[dict[str, str]]:
    for raw in data.splitlines():
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # (an operator's edit): the line is added again, not lost
        if isinstance(record, dict) and isinstance(record.get("line"), str):
            yield record


_counted: dict[Path, tuple[int, int, int]] = {}  # file: (size, mtime_ns, lines)
_counting = threading.Lock()


def summary(spool_dir: Path) -> Summary:
    """How many lines the quarantine holds, and in which files (blocking; a file is read again
    only when it has changed)."""
    directory = spool_dir / DIRECTORY
    files = tuple(sorted(directory.glob(f"*{SUFFIX}")))
    total = 0
    with _counting:
        for path in files:
            try:
                total += _lines_in(path)
            except FileNotFoundError:  # moved away by an operator meanwhile
                continue
        for gone in [p for p in _counted if p.parent == directory and p not in files]:
            del _counted[gone]
    return Summary(total, files)


def _lines_in(path: Path) -> int:
    stat = path.stat()
    seen = _counted.get(path)
    if seen is None or seen[:2] != (stat.st_size, stat.st_mtime_ns):
        with path.open("rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        seen = (stat.st_size, stat.st_mtime_ns, lines)
        _counted[path] = seen
    return seen[2]


def readable(segment: str, lines: list[bytes]) -> tuple[list[Line], list[Refusal]]:
    """A dead process's lines with their tenants, and those that cannot be read: its last line,
    torn by the crash, is skipped (that click was never answered); any other is refused."""
    rows: list[Line] = []
    unreadable: list[Refusal] = []
    for n, line in enumerate(lines, 1):
        try:
            rows.append((decode(line)[0].tenant_id, line + b"\n"))
        except (ValueError, TypeError) as error:
            if n == len(lines):
                log.warning("clicks.spool_line_skipped", segment=segment, line=n)
            else:
                unreadable.append(Refusal(line, f"unreadable: {error}"))
    return rows, unreadable
