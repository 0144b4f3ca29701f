"""The spool writer: a child process of each server process that makes clicks durable.

The server streams click lines (`clicks.encode`) to the writer's standard input as redirects
record them. The writer reads whatever has arrived, writes it to its current segment in one
write, fdatasyncs, and answers one line on its standard output, `<segment name> <bytes>\\n`:
that many more bytes of what it was sent are on disk, in that segment. Whatever arrives while
it waits for the disk goes into the next write (group commit, as PostgreSQL's WAL writer).

Why a process and not a thread: a thread of the server has to take the interpreter lock back
from the busy event loop after every write and every fdatasync, and each such hand-over stalled
the loop (the redirect's server did a third more with the disk written from the loop itself, and
the writer process does better still without blocking it).

The server also sends control lines: `#done <segment>` (all its clicks are in PostgreSQL:
delete it) and `#release <segment>` (leave it to `ClickRecorder.recover`: close it, keep it).
When the server's end of the pipe closes (it stopped or died), the writer releases every
segment it still has and exits; what PostgreSQL may not have is replayed from them.

Run as `python -m bitnexus.tracking.service.spool_writer <spool directory>`; it ignores SIGINT
and SIGTERM and exits when its standard input closes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
from pathlib import Path

from bitnexus.tracking.service import spool

PIPE_BYTES = 1 << 20  # what the server may have sent before the writer reads it


def serve(directory: Path, source: int = 0, answers: int = 1) -> None:
    """Write what `source` sends into segments in `directory`, acknowledging on `answers`,
    until `source` is closed."""
    with contextlib.suppress(OSError):  # not a pipe, or past the system's limit: fine too
        fcntl.fcntl(source, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    segments: dict[bytes, spool.Segment] = {}
    current: spool.Segment | None = None
    pending = b""
    try:
        while chunk := os.read(source, PIPE_BYTES):
            complete, newline, pending = (pending + chunk).rpartition(b"\n")
            if not newline:  # no whole line yet (all of it is in `pending`)
                continue
            data, controls = _split(complete)
            for verb, name in controls:
                segment = segments.pop(name, None)
                if segment is None:
                    continue
                if segment is current:
                    current = None
                if verb == b"#done":
                    segment.delete()
                else:
                    segment.release()
            if not data:
                continue
            if current is None or not current.room(len(data)):
                current = spool.create(directory, max(spool.SEGMENT_BYTES, len(data)))
                segments[current.path.name.encode()] = current
            current.append(data)
            _write_all(answers, b"%s %d\n" % (current.path.name.encode(), len(data)))
    finally:
        for segment in segments.values():
            segment.release()


def _split(complete: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Whole lines read: (click lines, each ending in a newline; control lines' verb and
    segment name). Click lines are JSON arrays: they never start with `#`."""
    if not complete.startswith(b"#") and b"\n#" not in complete:
        return complete + b"\n", []
    data, controls = [], []
    for line in complete.split(b"\n"):
        if line.startswith(b"#"):
            verb, _, name = line.partition(b" ")
            controls.append((verb, name))
        elif line:
            data.append(line + b"\n")
    return b"".join(data), controls


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


if __name__ == "__main__":
    # Its life is its pipe's: Ctrl-C or a service manager's TERM reaches the whole process
    # group, and the server, still stopping, may have clicks on their way to it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve(Path(sys.argv[1]))
