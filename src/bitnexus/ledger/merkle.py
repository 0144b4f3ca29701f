"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification. Pure: no I/O.

Leaves hash as SHA-256(0x00 || data), interior nodes as SHA-256(0x01 || left || right), and the
empty tree as SHA-256(""). A tree of n leaves splits at k, the largest power of two below n, so
every left subtree is complete. A complete subtree is addressed as (level, index): it covers
leaves [index * 2**level, (index + 1) * 2**level). Only complete subtrees are ever stored; the
ragged right edge of a tree is recomputed from at most log2(n) of them, so producing a proof costs
O(log n) node reads at any size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# Reads the stored hash of a complete subtree: (level, index) -> 32 bytes.
NodeReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof does not verify (wrong size, wrong shape, or wrong hashes)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_complete(start: int, end: int) -> tuple[int, int] | None:
    """(level, index) when [start, end) is a complete, aligned subtree."""
    size = end - start
    if size > 0 and size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return level, start >> level
    return None


def subtree_hash(start: int, end: int, read: NodeReader) -> bytes:
    """MTH(D[start:end]) from stored complete subtrees (at most ~2 log2(n) reads)."""
    if end <= start:
        return EMPTY_ROOT
    address = _is_complete(start, end)
    if address is not None:
        return read(*address)
    k = split_point(end - start)
    # The left part of an RFC 6962 split is always a complete, aligned subtree.
    level = k.bit_length() - 1
    return node_hash(read(level, start >> level), subtree_hash(start + k, end, read))


def root_hash(size: int, read: NodeReader) -> bytes:
    return subtree_hash(0, size, read)


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, bottom-up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root, collecting siblings top-down, then reverse.
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(subtree_hash(start + k, end, read))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, read))
            start += k
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, read: NodeReader) -> list[bytes]:
    """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1, bottom-up."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"cannot prove size {size1} consistent with size {size2}")
    if size1 == 0 or size1 == size2:
        return []
    proof: list[bytes] = []
    m, start, end, complete_left = size1, 0, size2, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(subtree_hash(start + k, end, read))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k, read))
            m -= k
            start += k
            complete_left = False
    if not complete_left:
        proof.append(subtree_hash(start, end, read))
    proof.reverse()
    return proof


def _lsb(n: int) -> bool:
    return bool(n & 1)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """Recompute the root an inclusion proof commits to (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `leaf` is at `index` of the tree of `size` with `root`."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the expected root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless the tree (size1, root1) is a prefix of (size2, root2).

    RFC 9162 §2.1.4.2, with the size-0 and equal-size cases made explicit.
    """
    if size1 > size2:
        raise ProofError(f"size {size1} is newer than size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes with different roots: the log forked")
        return
    if size1 == 0:
        if proof:
            raise ProofError("consistency with the empty tree needs an empty proof")
        return
    if not proof:
        raise ProofError("an empty proof cannot show growth")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("hashes must be 32 bytes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than needed")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than needed")
    if fr != root1:
        raise ProofError("the proof does not lead to the old root")
    if sr != root2:
        raise ProofError("the proof does not lead to the new root")


def nodes_completed_by(
    index: int, leaf: bytes, read: NodeReader
) -> Iterator[tuple[int, int, bytes]]:
    """The complete subtrees that appending leaf `index` finishes, leaf first.

    Appending leaf i completes (0, i) and, for each trailing 1-bit of i, the parent one level up.
    Integration stores exactly these, so every complete subtree is written once, ever.
    """
    level, i, h = 0, index, leaf
    yield level, i, h
    while _lsb(i):
        h = node_hash(read(level, i - 1), h)
        level += 1
        i >>= 1
        yield level, i, h


class MemoryTree:
    """An in-memory log keeping every complete subtree (tests, tools, the standalone mirror)."""

    def __init__(self) -> None:
        self.size = 0
        self.nodes: dict[tuple[int, int], bytes] = {}

    def read(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def append(self, data: bytes) -> int:
        return self.append_hash(leaf_hash(data))

    def append_hash(self, leaf: bytes) -> int:
        index = self.size
        for level, i, h in nodes_completed_by(index, leaf, self.read):
            self.nodes[(level, i)] = h
        self.size += 1
        return index

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.read)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.read)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.read)


def addresses_read_by(compute: Callable[[NodeReader], object]) -> set[tuple[int, int]]:
    """Which stored subtrees `compute` reads. The recursion depends only on sizes and indices,
    never on hash values, so one dry run with dummy hashes finds them all: callers fetch exactly
    these in one query and then run `compute` for real."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return EMPTY_ROOT

    compute(record)
    return seen


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees whose roots make up a tree of `size` leaves (one per set bit)."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1]
