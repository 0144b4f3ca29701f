"""Static files go out precompressed: the client's best accepted coding, the same bytes inside."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from bitnexus.core.config import Settings
from bitnexus.core.static import accepted_codings


@pytest.mark.parametrize(
    ("header", "codings"),
    [
        ("", set()),
        ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
        ("gzip;q=1.0, br;q=0", {"gzip"}),
        ("BR;Q=0.5", {"br"}),
        ("*", {"br", "gzip"}),
        ("*;q=0.1, gzip;q=0", {"br"}),
        ("identity", {"identity"}),
        ("br;q=nonsense, gzip", {"gzip"}),
        (" , ,gzip ; q=0.001", {"gzip"}),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, codings: set[str]) -> None:
    assert accepted_codings(header) == codings


def _largest_script(dist: Path) -> Path:
    return max((dist / "assets").glob("*.js"), key=lambda p: p.stat().st_size)


@pytest.mark.parametrize(
    ("accept", "coding", "suffix"),
    [
        ("gzip, deflate, br", "br", ".br"),
        ("gzip", "gzip", ".gz"),
        ("br;q=0, gzip", "gzip", ".gz"),
        ("identity", None, ""),
    ],
)
async def test_a_built_script_is_sent_in_the_best_coding_accepted(
    client: httpx.AsyncClient, settings: Settings, accept: str, coding: str | None, suffix: str
) -> None:
    # given the built SPA, whose build wrote each script beside its brotli and gzip twins
    script = _largest_script(settings.frontend_dist)
    url = "/" + script.relative_to(settings.frontend_dist).as_posix()

    # when a client asks for a script, saying which codings it takes
    async with client.stream("GET", url, headers={"Accept-Encoding": accept}) as r:
        sent = b"".join([chunk async for chunk in r.aiter_raw()])

    # then it gets that coding's file, typed as the script it is, cacheable per coding
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == coding
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["vary"] == "Accept-Encoding"
    assert "immutable" in r.headers["cache-control"]
    assert sent == script.with_name(script.name + suffix).read_bytes()
    if coding == "gzip":
        assert gzip.decompress(sent) == script.read_bytes()


@pytest.mark.parametrize("path", ["/static/swagger/swagger-ui-bundle.js", "/", "/app/ledger"])
async def test_docs_assets_and_pages_are_compressed_too(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path, headers={"Accept-Encoding": "gzip"})

    assert r.status_code == 200
    if path.endswith(".js"):
        assert r.headers["content-encoding"] == "gzip"
        assert int(r.headers["content-length"]) < 600_000  # the plain file is 1.7 MB
    else:  # the SPA's page (too small to be worth compressing, served as it is)
        assert '<div id="root">' in r.text


@pytest.mark.parametrize(("accept", "coding"), [("gzip, br", "gzip"), ("identity", None)])
async def test_the_openapi_document_is_gzipped_when_accepted(
    client: httpx.AsyncClient, accept: str, coding: str | None
) -> None:
    plain = (await client.get("/api/openapi.json", headers={"Accept-Encoding": "identity"})).json()

    async with client.stream("GET", "/api/openapi.json", headers={"Accept-Encoding": accept}) as r:
        sent = b"".join([chunk async for chunk in r.aiter_raw()])

    assert r.headers.get("content-encoding") == coding
    assert r.headers["vary"] == "Accept-Encoding"
    body = gzip.decompress(sent) if coding else sent
    assert httpx.Response(200, content=body).json() == plain
    assert "/api/v1/auth/login" in plain["paths"]
