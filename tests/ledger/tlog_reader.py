"""An independent tlog-tiles client, written from the spec (c2sp.org/tlog-tiles, RFC 6962 and
c2sp.org/signed-note) for the tests: it shares no code with `bitnexus.ledger`.

It verifies the checkpoint's Ed25519 signature, recomputes any tree hash from tiles (a tile at
level L holds hashes of tree level 8L; levels in between are hashed from them), and checks a
leaf's inclusion by rebuilding the root from the leaf and the sibling subtrees read from tiles.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def tile_path(level: int | str, index: int, width: int) -> str:
    """`tile/<L>/<N>[.p/<W>]`, N as 3-digit elements with all but the last x-prefixed."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*(f"x{p}" for p in parts[:-1]), parts[-1]])
    return f"tile/{level}/{name}" + ("" if width == 256 else f".p/{width}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    lines: tuple[str, ...]  # every signature line, the log's and the witnesses'


def open_checkpoint(signed: str, vkey: str) -> Checkpoint:
    """Parse a signed note and verify the log's signature with `name+hexid+base64(0x01||pk)`."""
    name, key_id, material = vkey.split("+", 2)
    raw = base64.b64decode(material)
    assert raw[0] == 0x01
    assert len(raw) == 33
    assert sha256(name.encode() + b"\n" + raw)[:4].hex() == key_id
    body, _, sigs = signed.rpartition("\n\n")
    text = body + "\n"
    lines = tuple(sigs.splitlines())
    ours = [ln for ln in lines if ln.startswith(f"\u2014 {name} ")]
    assert ours, f"no signature by {name}"
    blob = base64.b64decode(ours[0].split(" ")[2])
    assert blob[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], text.encode())
    origin, size, root = text.split("\n")[:3]
    return Checkpoint(origin, int(size), base64.b64decode(root), lines)


@dataclass
class TileLog:
    """The log at `prefix` (…/log/) as its tiles show it at a tree `size`."""

    http: httpx.Client
    size: int
    tiles: dict[str, bytes] = field(default_factory=dict)

    def fetch(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def _tile(self, level: int, index: int) -> bytes:
        width = min(256, (self.size >> (8 * level)) - index * 256)
        assert width > 0, f"tile {level}/{index} is empty at size {self.size}"
        path = tile_path(level, index, width)
        if path not in self.tiles:
            r = self.fetch(path)
            assert r.status_code == 200, (path, r.status_code, r.text)
            assert r.headers["content-type"] == "application/octet-stream"
            assert len(r.content) == 32 * width, path
            self.tiles[path] = r.content
        return self.tiles[path]

    def stored(self, height: int, index: int) -> bytes:
        """MTH of the complete subtree of 2**height leaves starting at leaf index * 2**height."""
        level, rest = divmod(height, 8)
        first = index << rest  # the first hash of tree level 8 * level under the subtree
        tile = self._tile(level, first // 256)
        offset = first % 256
        hashes = [tile[32 * i : 32 * i + 32] for i in range(offset, offset + (1 << rest))]
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def mth(self, start: int, end: int) -> bytes:
        """RFC 6962 MTH(D[start:end]) from tiles."""
        n = end - start
        if n == 0:
            return sha256(b"")
        if n & (n - 1) == 0 and start % n == 0:
            return self.stored(n.bit_length() - 1, start // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return node_hash(self.mth(start, start + k), self.mth(start + k, end))

    def root_with(self, index: int, leaf: bytes, start: int = 0, end: int | None = None) -> bytes:
        """The root of D[start:end] computed from `leaf` at `index` and its siblings' hashes:
        equal to the signed root only if the leaf is there (RFC 6962 audit path)."""
        end = self.size if end is None else end
        if end - start == 1:
            return leaf
        k = 1 << ((end - start - 1).bit_length() - 1)
        if index < start + k:
            return node_hash(
                self.root_with(index, leaf, start, start + k), self.mth(start + k, end)
            )
        return node_hash(self.mth(start, start + k), self.root_with(index, leaf, start + k, end))


def entries(bundle: bytes) -> list[bytes]:
    """Split an entry bundle: big-endian uint16 length, then that many bytes, repeated."""
    out, at = [], 0
    while at < len(bundle):
        length = int.from_bytes(bundle[at : at + 2], "big")
        out.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    assert at == len(bundle), "a truncated entry"
    return out
