"""A real server process and a real Chromium (Debian's, installed by `make test`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server_url(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    index = settings.frontend_dist / "index.html"
    assert index.is_file(), "the SPA is not built: run `make test` (it builds frontend/dist)"
    port = _free_port()
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
        "BITNEXUS_LOG_LEVEL": "WARNING",
        "BITNEXUS_FRONTEND_DIST": str(settings.frontend_dist),
        "BITNEXUS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BITNEXUS_LEDGER_SEAL_SECONDS": "0",
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("bitnexus")),
            "serve",
            "--no-migrate",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {err[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        await b.close()


@pytest.fixture
async def new_context(browser: Browser, server_url: str) -> AsyncIterator[object]:
    contexts: list[BrowserContext] = []

    async def make(**kwargs: object) -> BrowserContext:
        ctx = await browser.new_context(base_url=server_url, **kwargs)  # type: ignore[arg-type]
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        await ctx.close()
