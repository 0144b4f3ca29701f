"""What the benchmarks that drive a real server share: its environment, its process, and
waiting until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.me_endpoint import _free_port


def bench_env(data_dir: str) -> dict[str, str]:
    """A quiet server on `data_dir` with every background job off (benchmarks run their own)."""
    return {
        **os.environ,
        "BITNEXUS_DATA_DIR": data_dir,
        "BITNEXUS_SECRET_KEY": uuid.uuid4().hex * 2,
        "BITNEXUS_LOG_LEVEL": "WARNING",
        "BITNEXUS_LOG_FORMAT": "json",
        "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
        "BITNEXUS_COMMISSION_MATURE_SECONDS": "0",
        "BITNEXUS_ROLLUP_SECONDS": "0",
        "BITNEXUS_PAYOUT_SCHEDULE_SECONDS": "0",
        "BITNEXUS_NOTIFY_MAIL_SECONDS": "0",
        "BITNEXUS_SEARCH_INDEX_SECONDS": "0",  # the indexer would load the model (seconds of CPU)
    }


def wait_ready(url: str, proc: subprocess.Popen[bytes], status: int = 200) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def serve_command(port: int) -> list[str]:
    bitnexus = str(Path(sys.executable).parent / "bitnexus")
    return [bitnexus, "serve", "--no-migrate", "--port", str(port)]


@contextmanager
def bitnexus_server(env: dict[str, str]) -> Iterator[str]:
    """`bitnexus serve` (one process, migrations already run) until the block ends; yields
    its base URL once it answers."""
    port = _free_port()
    proc = start(serve_command(port), env)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
