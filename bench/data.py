"""Each benchmark's scratch data directory, and the embedded PostgreSQL in it stopped before the
directory goes (its own at-exit stop would find its handle file deleted and leave the server
running, loading every benchmark after it)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bitnexus.core import embedded_postgres


@contextmanager
def bench_dir(name: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix=f"bitnexus-bench-{name}-") as tmp:
        try:
            yield tmp
        finally:
            embedded_postgres.stop(Path(tmp))
