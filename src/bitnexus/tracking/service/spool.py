"""The clicks' write-ahead file: where an answered click is durable before PostgreSQL has it.

Each process appends to segments of its own in one directory (`<data dir>/clicks-spool`),
holding an exclusive `flock` on each for as long as it has clicks in it that PostgreSQL may not
have. A segment nobody holds belongs to a process that died (kill -9, power loss): any process
takes it over, writes its clicks to PostgreSQL (idempotent on the click id) and deletes it.

The lines are the recorder's (`clicks.encode`): one click each, never a raw address.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".spool"
ROTATE_BYTES = 8 * 1024 * 1024  # a segment this big is followed by a new one


def lines(path: Path) -> list[bytes]:
    """The lines of a segment, in the order they were written."""
    with path.open("rb") as f:
        return f.read().splitlines()


@dataclass(eq=False)
class Segment:
    """One of this process's segment files, locked for as long as it is open. Several appends
    may be in flight at once (each in a thread of its own); the bookkeeping is the caller's,
    on its event loop: `size` and `writing` are counted before an append starts."""

    path: Path
    fd: int
    size: int = 0  # bytes written or being written
    unsaved: int = 0  # clicks written (or being written) here that PostgreSQL may not have yet
    writing: int = 0  # appends in flight
    let_go: bool = False  # released: closed once no append is in flight
    closed: bool = False

    def append(self, data: bytes) -> None:
        """Write `data` and wait until it is on disk (blocking: run it in a thread). Appends
        in flight together each wait for their own data: O_APPEND places each write whole."""
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        os.fdatasync(self.fd)

    def delete(self) -> None:
        """Remove the file, then let go of it (in that order, so no other process takes it over
        in between to replay clicks PostgreSQL already has: harmless, but wasted)."""
        if not self.closed:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.closed = True

    def release(self) -> None:
        """Let go of the file and keep it: its clicks are replayed by whoever takes it. With
        appends in flight, the file is closed when the last one is done (`appended`)."""
        self.let_go = True
        if not self.closed and not self.writing:
            os.close(self.fd)
            self.closed = True

    def appended(self) -> None:
        """An append in flight is done (whether or not it succeeded)."""
        self.writing -= 1
        if self.let_go:
            self.release()


def create(directory: Path) -> Segment:
    """A new segment of this process's, already locked when it gets the name others look for."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"clicks-{os.getpid()}-{uuid.uuid4().hex}"
    draft = directory / f".{name}.new"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    path = directory / f"{name}{SUFFIX}"
    draft.rename(path)
    _sync_directory(directory)
    return Segment(path, fd)


def orphans(directory: Path) -> Iterator[Segment]:
    """Segments no live process holds, each locked by this one while the caller replays it."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # replayed and deleted meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # its process is alive
        if not path.exists():  # replayed and deleted by another process just before
            os.close(fd)
            continue
        yield Segment(path, fd, size=path.stat().st_size)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
