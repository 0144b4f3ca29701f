"""The public log of a tenant's ledger as C2SP tlog-tiles (https://c2sp.org/tlog-tiles).

A tile at level L, index N holds up to 256 consecutive hashes of tree level 8L: hash i is the
complete subtree (8L, N * 256 + i), which the tree stores already (`ledger_tree_nodes`), so a
tile is one range read. Level 0 tiles hold leaf hashes; entry bundles hold the leaves themselves,
each prefixed by its length as a big-endian uint16. Only what the latest signed checkpoint
covers is served: a full tile once its 256 hashes are inside the signed size, and the right
edge's partial tile (`.p/W`) with W up to the edge's width, so the partial tiles of earlier
checkpoints in the same tile are served too (each is a prefix of the current one).
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.errors import BadRequest, FieldError
from bitnexus.core.static import accepted_codings
from bitnexus.ledger import explorer, repository
from bitnexus.ledger.errors import BlockNotFound, TileNotFound
from bitnexus.ledger.models import LedgerTransaction, LedgerTreeNode

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile
MAX_LEVEL = 63  # the spec's range for <L>
MAX_ENTRY = 0xFFFF  # an entry bundle frames each entry with a uint16 length

# A tile's bytes never change, partial ones included (a partial tile of width W is the first W
# hashes of the full tile to come); the checkpoint moves on, so it is cached for seconds only.
IMMUTABLE = "public, max-age=31536000, immutable"
CHECKPOINT_CACHE = "public, max-age=5"
ENTRIES_CACHE = "private, max-age=31536000, immutable"  # members only: no shared cache


@dataclass(frozen=True)
class TileAddress:
    """`tile/<L>/<N>[.p/<W>]` parsed: `width` is None for a full tile."""

    level: int
    index: int
    width: int | None


def _bad(detail: str) -> BadRequest:
    return BadRequest(detail, errors=[FieldError("path", detail)])


def _decimal(text: str, what: str) -> int:
    """A decimal ASCII integer with no extra leading zeroes (the spec's <L> and <W>)."""
    if len(text) > 3:  # <L> is at most 63 and <W> 255: a huge number is never parsed
        raise _bad(f"{what} has at most three digits.")
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise _bad(f"{what} must be a decimal number without leading zeroes, not {text!r}.")
    return int(text)


def parse_index(path: str, level: int) -> TileAddress:
    """`<N>[.p/<W>]`: N in zero-padded 3-digit elements, all but the last prefixed with `x`
    (1234067 is `x001/x234/067`), W from 1 to 255."""
    width: int | None = None
    if ".p/" in path:
        path, _, width_text = path.partition(".p/")
        width = _decimal(width_text, "The partial width <W>")
        if not 1 <= width < TILE_WIDTH:
            raise _bad(f"The partial width <W> must be 1 to {TILE_WIDTH - 1}, not {width}.")
    parts = path.split("/")
    if len(parts) > 7:  # 3 * 7 digits is far past any index a bigint can reach
        raise _bad("The tile index <N> has too many elements.")
    *upper, last = parts
    if (
        any(len(p) != 4 or p[0] != "x" or not p[1:].isdigit() or not p.isascii() for p in upper)
        or len(last) != 3
        or not (last.isdigit() and last.isascii())
    ):
        raise _bad(
            "The tile index <N> is zero-padded 3-digit elements, all but the last starting "
            f"with x (x001/x234/067), not {path!r}."
        )
    if upper and upper[0] == "x000":  # one name per tile: no leading zero elements
        raise _bad(f"The tile index {path!r} has a leading zero element.")
    index = int("".join(p[-3:] for p in parts))
    return TileAddress(level, index, width)


def parse_tile(level_text: str, path: str) -> TileAddress:
    """`<L>/<N>[.p/<W>]` of a hash tile."""
    level = _decimal(level_text, "The tile level <L>")
    if level > MAX_LEVEL:
        raise _bad(f"The tile level <L> must be 0 to {MAX_LEVEL}, not {level}.")
    return parse_index(path, level)


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]` (L "entries" for an entry bundle), the inverse of `parse_tile`."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*(f"x{p}" for p in parts[:-1]), parts[-1]])
    return f"tile/{level}/{name}" + ("" if width == TILE_WIDTH else f".p/{width}")


def split_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle (each after its big-endian uint16 length); ValueError when the
    bundle ends inside an entry."""
    out, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("the bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, at)
        if at + 2 + length > len(data):
            raise ValueError("the bundle ends inside an entry")
        out.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return out


def gzipped(data: bytes, accept_encoding: str | None) -> tuple[bytes, dict[str, str]]:
    """`data` gzip-compressed when the client accepts it (the spec asks entry bundles to be
    compressed at the HTTP layer), with the headers that say so."""
    if "gzip" not in accepted_codings(accept_encoding or ""):
        return data, {"Vary": "Accept-Encoding"}
    return gzip.compress(data, 6), {"Vary": "Accept-Encoding", "Content-Encoding": "gzip"}


def width_at(size: int, level: int, index: int) -> int:
    """How many hashes tile (level, index) holds in a tree of `size` leaves: 256 when full,
    fewer at the right edge, 0 past it (`floor(size / 256**level)` hashes at that level)."""
    hashes = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def _covered(address: TileAddress, size: int) -> int:
    """The number of hashes (or entries) to serve for `address` under a signed `size`."""
    have = width_at(size, address.level, address.index)
    name = f"{address.index}" + ("" if address.width is None else f".p/{address.width}")
    if address.width is None:
        if have < TILE_WIDTH:
            raise TileNotFound(f"Tile {address.level}/{name} is not full at signed size {size}.")
        return TILE_WIDTH
    if have == TILE_WIDTH:
        raise TileNotFound(
            f"Tile {address.level}/{address.index} is full at signed size {size}: fetch it whole."
        )
    if address.width > have:
        raise TileNotFound(
            f"Tile {address.level}/{name} is past the signed size {size}"
            + (f" (its width there is {have})." if have else ".")
        )
    return address.width


async def _signed_size(session: AsyncSession) -> int:
    latest = await repository.latest_block(session)
    if latest is None:
        raise TileNotFound("No checkpoint has been signed yet.")
    return latest.tree_size


async def checkpoint(session: AsyncSession) -> str:
    """The latest signed checkpoint with the witness cosignatures it gathered."""
    try:
        return await explorer.latest_checkpoint(session)
    except BlockNotFound as exc:
        raise TileNotFound(exc.detail) from exc


async def hash_tile(session: AsyncSession, address: TileAddress) -> bytes:
    """The tile's hashes, concatenated (32 bytes each), read in one range query."""
    width = _covered(address, await _signed_size(session))
    first = address.index * TILE_WIDTH
    level = TILE_HEIGHT * address.level
    rows = await session.execute(
        select(LedgerTreeNode.index, LedgerTreeNode.hash)
        .where(
            LedgerTreeNode.level == level,
            LedgerTreeNode.index >= first,
            LedgerTreeNode.index < first + width,
        )
        .order_by(LedgerTreeNode.index)
    )
    found = rows.all()
    if [index for index, _hash in found] != list(range(first, first + width)):
        # the signed tree lacks a stored node: say so, never serve a shorter tile
        raise TileNotFound(f"The log is missing hashes of tile {address.level}/{address.index}.")
    return b"".join(digest for _index, digest in found)


async def entry_bundle(session: AsyncSession, address: TileAddress) -> bytes:
    """The tile's entries (the transactions' leaf bytes), each after its uint16 length."""
    width = _covered(address, await _signed_size(session))
    first = address.index * TILE_WIDTH
    rows = await session.execute(
        select(LedgerTransaction.seq, LedgerTransaction.leaf)
        .where(LedgerTransaction.seq >= first, LedgerTransaction.seq < first + width)
        .order_by(LedgerTransaction.seq)
    )
    out = bytearray()
    count = 0
    for seq, data in rows:
        if seq != first + count or data is None:
            break
        if len(data) > MAX_ENTRY:
            raise TileNotFound(f"Entry {seq} is too large for an entry bundle.")
        out += struct.pack(">H", len(data)) + data
        count += 1
    if count != width:
        raise TileNotFound(f"The log is missing entry {first + count}.")
    return bytes(out)
