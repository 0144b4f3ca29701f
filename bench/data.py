"""Each benchmark's scratch data directory, and the embedded PostgreSQL in it stopped before the
directory goes (its own at-exit stop would find its handle file deleted and leave the server
running, loading every benchmark after it); a wait for that server's WAL archive to catch up
with a bulk load; and the password of every user the benchmarks make."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bitnexus.core import embedded_postgres

ARCHIVE_WAIT_SECONDS = 900
PASSWORD = "bench-marigold-anvil-39"  # of every user a benchmark makes, to sign in with


@contextmanager
def bench_dir(name: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix=f"bitnexus-bench-{name}-") as tmp:
        try:
            yield tmp
        finally:
            embedded_postgres.stop(Path(tmp))


def wait_archived(data_dir: Path, timeout: float = ARCHIVE_WAIT_SECONDS) -> float:
    """Wait until the embedded server in `data_dir` has archived every WAL segment it finished
    (none marked ready in `pg_wal/archive_status`); the seconds waited. A bulk load leaves
    tens of 16 MB segments, each gzipped by the archive command (about half a second of CPU):
    measured before the archive catches up, a benchmark measures the archiver too."""
    status = data_dir / "pg" / "pg_wal" / "archive_status"
    started = time.monotonic()
    while any(status.glob("*.ready")):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the WAL archive did not catch up in {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started
