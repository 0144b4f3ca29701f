"""Static files sent compressed: the build writes every text file beside its brotli and gzip
versions (frontend/vite.config.ts), and each request gets the smallest its client accepts."""

from __future__ import annotations

import gzip
import mimetypes
from collections.abc import Mapping
from pathlib import Path

from starlette.responses import FileResponse, Response

# Best first: brotli files are about a fifth smaller than gzip ones.
CODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepted_codings(accept_encoding: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (RFC 9110 §12.5.3): those listed
    with a weight above zero, and any unlisted one when `*` has such a weight."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        if not coding:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding] = weight
    wildcard = weights.pop("*", 0.0)
    allowed = {coding for coding, weight in weights.items() if weight > 0}
    if wildcard > 0:
        allowed |= {coding for coding, _ in CODINGS if coding not in weights}
    return allowed


def file_response(path: Path, accept_encoding: str, headers: Mapping[str, str]) -> FileResponse:
    """`path`, or its precompressed twin when the client takes it (same type, `Vary` set)."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    variants = [(c, path.with_name(path.name + suffix)) for c, suffix in CODINGS]
    present = [(c, p) for c, p in variants if p.is_file()]
    if not present:
        return FileResponse(path, media_type=media_type, headers=dict(headers))
    vary = {**headers, "Vary": "Accept-Encoding"}
    allowed = accepted_codings(accept_encoding)
    for coding, variant in present:
        if coding in allowed:
            return FileResponse(
                variant, media_type=media_type, headers={**vary, "Content-Encoding": coding}
            )
    return FileResponse(path, media_type=media_type, headers=vary)


class GzippedBody:
    """A body computed once (the OpenAPI document), kept plain and gzipped."""

    def __init__(self, body: bytes, media_type: str) -> None:
        self.plain = body
        self.gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        self.media_type = media_type

    def response(self, accept_encoding: str) -> Response:
        vary = {"Vary": "Accept-Encoding"}
        if "gzip" in accepted_codings(accept_encoding):
            headers = {**vary, "Content-Encoding": "gzip"}
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        return Response(self.plain, media_type=self.media_type, headers=vary)
