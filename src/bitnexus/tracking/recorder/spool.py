"""The clicks' write-ahead file: where an answered click is kept until PostgreSQL has it.

Each server process's click recorder (`recorder.ClickRecorder`) writes to segments of its own in
one directory (`<data dir>/clicks-spool`), holding an exclusive `flock` on each for as long as
it has clicks in it that PostgreSQL may not have. A segment nobody holds belongs to a process
that died (kill -9, a crash, power loss): any server process takes it over, writes its clicks
to PostgreSQL (idempotent on the click id) and deletes it.

A segment is made whole before use: `SEGMENT_BYTES` of zeros, on disk. Groups of clicks are then
written over the zeros, so the file's size and blocks never change and an fdatasync has only
the data to flush (no journal commit), as PostgreSQL does with its WAL segments. Readers split on
newlines and on runs of zeros: a segment ends in zeros, after a group torn by a crash, if any.

The lines are the recorder's (`codec.encode`): one click each, never a raw address.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".spool"
SEGMENT_BYTES = 8 * 1024 * 1024
DRAFT_SECONDS = 60  # a segment still being made after this long was left by a dead process
_ZEROS = bytes(1024 * 1024)
_BETWEEN_LINES = re.compile(rb"[\n\0]+")


def lines(path: Path) -> list[bytes]:
    """The lines of a segment (a line torn by a crash is one of them: the caller checks)."""
    with path.open("rb") as f:
        return [line for line in _BETWEEN_LINES.split(f.read()) if line]


@dataclass(eq=False)
class Segment:
    """A segment file, locked for as long as it is open; one process writes it, from its
    start."""

    path: Path
    fd: int
    capacity: int
    size: int = 0  # bytes written
    closed: bool = False

    def room(self, n: int) -> bool:
        return self.size + n <= self.capacity

    def write(self, data: bytes) -> None:
        """Write `data` after what is there (into the kernel's cache: `sync` puts it on disk)."""
        view, offset = memoryview(data), self.size
        while view:
            done = os.pwrite(self.fd, view, offset)
            view, offset = view[done:], offset + done
        self.size = offset

    def sync(self) -> None:
        """Wait until what was written is on disk."""
        if not self.closed:
            os.fdatasync(self.fd)

    def delete(self) -> None:
        """Remove the file, then let go of it (in that order, so no other process takes it over
        in between to replay clicks PostgreSQL already has: harmless, but wasted)."""
        if not self.closed:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.closed = True

    def release(self) -> None:
        """Let go of the file and keep it: its clicks are replayed by whoever takes it."""
        if not self.closed:
            os.close(self.fd)
            self.closed = True


def create(directory: Path, capacity: int = SEGMENT_BYTES) -> Segment:
    """A new segment of this process's, whole on disk and locked when it gets the name others
    look for (blocking: 8 MiB written and synced)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"clicks-{os.getpid()}-{uuid.uuid4().hex}"
    draft = directory / f".{name}.new"
    fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    left = capacity
    while left > 0:
        left -= os.write(fd, _ZEROS[: min(left, len(_ZEROS))])
    os.fsync(fd)
    path = directory / f"{name}{SUFFIX}"
    draft.rename(path)
    sync_directory(directory)
    return Segment(path, fd, capacity)


def orphans(directory: Path) -> Iterator[Segment]:
    """Segments no live process holds, each locked by this one while the caller replays it."""
    if not directory.is_dir():
        return
    for draft in directory.glob(".*.new"):  # a segment its process died making: no clicks
        fd = _take(draft)
        if fd is not None:
            try:
                if time.time() - os.fstat(fd).st_mtime > DRAFT_SECONDS:
                    draft.unlink(missing_ok=True)  # (a younger one may not be locked yet)
            finally:
                os.close(fd)
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        fd = _take(path)
        if fd is None:
            continue  # its process is alive, or it was replayed and deleted meanwhile
        if not path.exists():  # replayed and deleted by another process just before
            os.close(fd)
            continue
        size = path.stat().st_size
        yield Segment(path, fd, capacity=size, size=size)


def _take(path: Path) -> int | None:
    """`path` opened and locked by this process, or None if another holds it (or it is
    gone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def sync_directory(directory: Path) -> None:
    """Make a file created or renamed in `directory` durable (fsync of the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
