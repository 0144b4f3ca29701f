"""The web app on an origin of its own: the SPA built with `VITE_API_BASE_URL`, served by a
static file server (a CDN's part) on a port of its own, the API on http://127.0.0.1:<port> with
the app's origins on its CORS allow-list. From http://127.0.0.1:<other port> the app is another
origin of the same site; from http://localhost:<other port> another site, so the refresh cookie
is a third-party one (Chromium counts both hosts as secure contexts: `Secure` cookies work)."""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, async_playwright, expect

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.conftest import ROOT, launch_server
from tests.e2e.conftest import (
    ACTION_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    NAVIGATION_TIMEOUT_MS,
    api_client,
)
from tests.factories import PASSWORD, Account, signup_org, unique_slug

pytestmark = pytest.mark.e2e


class _SpaFiles(SimpleHTTPRequestHandler):
    """A CDN's part: the built files as they are, `index.html` for the app's own routes."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Origins:
    api: str  # where the SPA was built to send its requests
    port: int  # the static server's: the same files as http://localhost:… and http://127.0.0.1:…

    def app(self, host: str) -> str:
        return f"http://{host}:{self.port}"


@pytest.fixture(scope="session")
def origins(settings: Settings, db_urls: DatabaseUrls) -> Iterator[Origins]:
    with tempfile.TemporaryDirectory(prefix="bitnexus-spa-") as tmp:
        dist = Path(tmp) / "dist"
        dist.mkdir()
        # the static server first: its origins go on the API's allow-list
        files = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_SpaFiles, directory=str(dist))
        )
        threading.Thread(target=files.serve_forever, daemon=True).start()
        port = int(files.server_address[1])
        allowed = f"http://localhost:{port},http://127.0.0.1:{port}"
        proc, api = launch_server(settings, BITNEXUS_CORS_ORIGINS=allowed)
        try:
            _build_spa(dist, api)
            yield Origins(api=api, port=port)
        finally:
            files.shutdown()
            files.server_close()
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _build_spa(out: Path, api: str) -> None:
    """The SPA built for the API at `api`, into `out` (frontend/dist is left as it is)."""
    npm = shutil.which("npm")
    assert npm, "npm builds the SPA (`make test` installs it)"
    subprocess.run(
        [npm, "run", "build", "--", "--outDir", str(out), "--emptyOutDir"],
        cwd=ROOT / "frontend",
        env={**os.environ, "VITE_API_BASE_URL": api},
        check=True,
        capture_output=True,
        timeout=600,
    )


@asynccontextmanager
async def chromium_profile(
    base_url: str, *, third_party_cookies: bool
) -> AsyncIterator[BrowserContext]:
    """Chromium with a profile of its own: as it comes (third-party cookies blocked, as Safari
    and Firefox's strict mode do too), or with them allowed (Chrome's default)."""
    with tempfile.TemporaryDirectory(prefix="bitnexus-chromium-") as profile:
        if third_party_cookies:
            (Path(profile) / "Default").mkdir()
            choice = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
            (Path(profile) / "Default" / "Preferences").write_text(json.dumps(choice))
        async with async_playwright() as p:
            ctx = await p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                base_url=base_url,
            )
            ctx.set_default_timeout(ACTION_TIMEOUT_MS)
            ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
            try:
                yield ctx
            finally:
                await ctx.close()


@pytest.mark.parametrize(
    ("host", "third_party_cookies"),
    [
        # app.example.com and api.example.com: another origin, the same site
        pytest.param("127.0.0.1", False, id="same-site"),
        # a CDN host of another domain: the cookie is a third-party one
        pytest.param("localhost", True, id="cross-site"),
    ],
)
async def test_the_app_on_its_own_origin_keeps_its_session_across_a_reload(
    origins: Origins, host: str, third_party_cookies: bool
) -> None:
    # given an organisation on the API's origin, and the web app on another origin
    name = f"Far Origin {secrets.token_hex(3)}"
    async with api_client(origins.api) as client:
        admin = await signup_org(client, organisation_name=name, slug=unique_slug())
    async with chromium_profile(
        origins.app(host), third_party_cookies=third_party_cookies
    ) as context:
        await _log_in_and_reload(context, origins, admin, name)


async def _log_in_and_reload(
    context: BrowserContext, origins: Origins, admin: Account, name: str
) -> None:
    page = await context.new_page()
    failed: list[str] = []
    page.on(
        "requestfailed",
        lambda r: (
            failed.append(f"{r.url}: {r.failure}") if "ABORTED" not in (r.failure or "") else None
        ),
    )

    # when its admin mistypes the password on the app's origin
    await page.goto("/login")
    await page.get_by_label("Organisation").fill(admin.slug)
    await page.get_by_label("Email").fill(admin.email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Log in").click()

    # then the API's problem reaches the page (its CORS headers are on errors too)
    await expect(page.get_by_text("The organisation, email or password is wrong.")).to_be_visible()

    # when the admin logs in
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()

    # then the app shows the organisation, live, and the API's cookie is a cross-site one
    await expect(page).to_have_url(re.compile(r"/app$"))
    await expect(page.get_by_text(name).first).to_be_visible()
    indicator = page.get_by_test_id("connection-indicator")
    await expect(indicator).to_have_attribute("data-state", "connected")
    cookies = {c["name"]: c for c in await context.cookies(origins.api + "/api/v1/auth/refresh")}
    assert cookies["bnx_refresh"]["sameSite"] == "None"
    assert cookies["bnx_refresh"]["secure"] is True

    # when the page is loaded again (the access token, kept in memory only, is gone)
    await page.reload()

    # then the refresh cookie went cross-site and the session goes on
    await expect(page).to_have_url(re.compile(r"/app$"))
    await expect(page.get_by_text(name).first).to_be_visible()
    await expect(indicator).to_have_attribute("data-state", "connected")
    assert failed == []
