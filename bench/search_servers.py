"""The servers the search benchmark asks, as wrk asks them: the API (a real `bitnexus serve`,
as a caller signed in) and the floor (`bench.bare_search`, in a uvicorn process of its own)."""

from __future__ import annotations

import os
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.data import PASSWORD
from bench.me_endpoint import P95_SCRIPT, WrkResult, _free_port, wrk
from bench.server import start, wait_ready

CONCURRENCY = 4  # connections for QPS

_REQUESTS = """
paths = {%(paths)s}
n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


@dataclass(frozen=True)
class Api:
    """A running server's search endpoint, as wrk asks it: the URL, a caller's token (none for
    the floor) and the script that cycles through the queries."""

    url: str
    token: str | None
    script: str

    def latency(self) -> WrkResult:
        """One connection, one request at a time."""
        return self._wrk(1)

    def throughput(self) -> WrkResult:
        return self._wrk(CONCURRENCY)

    def warm_up(self) -> None:
        """As the other HTTP benchmarks do: every pooled connection prepares and plans the
        search's statements on its first use, and the model's runtime sizes its buffers for
        each query length it meets."""
        self._wrk(CONCURRENCY, "5s")

    def _wrk(self, connections: int, duration: str = "10s") -> WrkResult:
        found = wrk(
            self.url, self.token, script=self.script, threads=1, connections=connections,
            duration=duration,
        )  # fmt: skip
        assert found.non_2xx == 0 and found.p95_ms is not None
        return found


def _script(tmp: str, name: str, path: str, queries: list[str]) -> str:
    """A wrk script asking `path` for each of `queries` in turn (`?q=`)."""
    paths = ", ".join(f'"{path}?q=' + urllib.parse.quote(q) + '"' for q in queries)
    script = Path(tmp) / f"{name}.lua"
    script.write_text(_REQUESTS % {"paths": paths} + P95_SCRIPT)
    return str(script)


def api(base: str, slug: str, tmp: str, queries: list[str]) -> Api:
    """The search API of the server at `base`, warmed up."""
    r = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"organisation": slug, "email": "affiliate@bench.example", "password": PASSWORD},
        timeout=60,
    )
    token = r.json()["access_token"]
    for q in queries[:3]:  # loads the model
        found = httpx.get(
            f"{base}/api/v1/products/search",
            params={"q": q},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert found.status_code == 200, found.text
    path = "/api/v1/products/search"
    searches = Api(f"{base}{path}", token, _script(tmp, "search", path, queries))
    searches.warm_up()
    return searches


@contextmanager
def floor(app_dsn: str, tenant_id: uuid.UUID, tmp: str, queries: list[str]) -> Iterator[Api]:
    """The floor (`bench.bare_search`) in a uvicorn process of its own, warmed up."""
    port = _free_port()
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    proc = start(
        [uvicorn, "bench.bare_search:app", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        {**os.environ, "BENCH_DSN": app_dsn, "BENCH_TENANT": str(tenant_id)},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/search?q=warm", proc)
        bare = Api(f"{base}/search", None, _script(tmp, "floor", "/search", queries))
        bare.warm_up()
        yield bare
    finally:
        proc.terminate()
        proc.wait(timeout=30)
