"""Copying an organisation's public log (C2SP tlog-tiles) into a directory: the same paths under
one folder, so it can be served as static files or read offline (`bitnexus-verify consistency
--tiles DIR`). Full tiles never change, so each copy fetches only the tiles it lacks; the
checkpoint is written last, so the directory never names a tree its tiles do not cover."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from bitnexus.ledger import note
from bitnexus.ledger.tiles import MAX_LEVEL, TILE_HEIGHT, TILE_WIDTH, tile_path


def tile_paths(size: int) -> list[str]:
    """Every hash tile of a tree of `size` leaves: each level's full tiles, then its right
    edge's partial tile (none for an empty level)."""
    paths = []
    for level in range(MAX_LEVEL + 1):
        hashes = size >> (TILE_HEIGHT * level)
        if not hashes:
            break
        paths += [tile_path(level, n) for n in range(hashes // TILE_WIDTH)]
        if hashes % TILE_WIDTH:
            paths.append(tile_path(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
    return paths


@dataclass(frozen=True)
class Copied:
    size: int
    fetched: int  # tiles fetched this time (the others were there already)


def _write(file: Path, data: bytes) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".tmp")
    partial.write_bytes(data)
    os.replace(partial, file)


def copy(prefix: str, into: Path, http: httpx.Client | None = None) -> Copied:
    """Bring `into` up to the log's current checkpoint at `prefix` (…/ledger/log/)."""
    client = http or httpx.Client(timeout=30)
    base = prefix.rstrip("/") + "/"
    try:
        got = client.get(base + "checkpoint")
        got.raise_for_status()
        size = note.parse_checkpoint(note.parse(got.text).text).size
        fetched = 0
        for path in tile_paths(size):
            file = into / path
            if file.exists():
                continue
            tile = client.get(base + path)
            tile.raise_for_status()
            _write(file, tile.content)
            fetched += 1
        _write(into / "checkpoint", got.content)
    finally:
        if http is None:
            client.close()
    return Copied(size, fetched)


def main(argv: list[str] | None = None) -> int:
    """`python -m bitnexus.ledger.tile_copy URL DIR`: copy once, say what was fetched."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m bitnexus.ledger.tile_copy TILES_URL DIRECTORY", file=sys.stderr)
        return 2
    try:
        copied = copy(args[0], Path(args[1]))
    except (httpx.HTTPError, note.NoteError, OSError) as exc:
        print(f"could not copy {args[0]}: {exc}", file=sys.stderr)
        return 1
    print(f"copied the log at size {copied.size} into {args[1]} ({copied.fetched} new tiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
