"""The Merkle module against the public RFC 6962 vectors, a naive reference, and hypothesis."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitnexus.ledger.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger import rfc6962_vectors as v

H = bytes.fromhex
SOME = H(v.SOME_HASH)


def _vector_tree() -> MemoryTree:
    tree = MemoryTree()
    for data in v.LEAVES:
        tree.append(H(data))
    return tree


def _mth(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962 §2.1, recursive: the reference everything is checked against."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


# ---- the published vectors ----


def test_empty_root() -> None:
    assert _vector_tree().root(0) == EMPTY_ROOT == H(v.EMPTY_ROOT)


@pytest.mark.parametrize(
    ("size", "expected"),
    list(enumerate(v.ROOTS, start=1)),
    ids=[f"size-{n}" for n in range(1, len(v.ROOTS) + 1)],
)
def test_roots_of_every_size(size: int, expected: str) -> None:
    assert _vector_tree().root(size) == H(expected)


@pytest.mark.parametrize("level", range(len(v.NODES)), ids=lambda level: f"level-{level}")
def test_every_stored_node_matches(level: int) -> None:
    tree = _vector_tree()

    stored = [tree.read(level, index) for index in range(len(v.NODES[level]))]

    assert stored == [H(expected) for expected in v.NODES[level]]


@pytest.mark.parametrize(
    ("leaf", "size", "proof"), v.INCLUSION, ids=[f"{a}-of-{b}" for a, b, _ in v.INCLUSION]
)
def test_inclusion_vectors(leaf: int, size: int, proof: list[str]) -> None:
    tree = _vector_tree()
    expected = [H(p) for p in proof]
    lh = leaf_hash(H(v.LEAVES[leaf - 1]))
    assert tree.inclusion_proof(leaf - 1, size) == expected
    verify_inclusion(leaf - 1, size, lh, expected, H(v.ROOTS[size - 1]))


@pytest.mark.parametrize(
    ("size1", "size2", "proof"), v.CONSISTENCY, ids=[f"{a}-to-{b}" for a, b, _ in v.CONSISTENCY]
)
def test_consistency_vectors(size1: int, size2: int, proof: list[str]) -> None:
    tree = _vector_tree()
    expected = [H(p) for p in proof]
    assert tree.consistency_proof(size1, size2) == expected
    verify_consistency(size1, size2, H(v.ROOTS[size1 - 1]), H(v.ROOTS[size2 - 1]), expected)


# ---- corrupted proofs must fail (the probes transparency-dev runs) ----


def _inclusion_probes(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes):  # type: ignore[no-untyped-def]
    yield index - 1, size, proof, root, leaf
    yield index + 1, size, proof, root, leaf
    yield index ^ 2, size, proof, root, leaf
    yield index, size * 2, proof, root, leaf
    yield index, size // 2, proof, root, leaf
    yield index, size, proof, root, b"WrongLeaf".ljust(32, b"\0")
    yield index, size, proof, EMPTY_ROOT, leaf
    yield index, size, proof, SOME, leaf
    yield index, size, [*proof, b""], root, leaf
    yield index, size, [*proof, root], root, leaf
    yield index, size, [b"", *proof], root, leaf
    yield index, size, [root, *proof], root, leaf
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        yield index, size, bad, root, leaf
    if proof:
        yield index, size, proof[:-1], root, leaf
    if len(proof) > 1:
        yield index, size, [proof[0], SOME, *proof[1:]], root, leaf


@pytest.mark.parametrize(
    ("leaf", "size", "proof"), v.INCLUSION[1:], ids=[f"{a}-of-{b}" for a, b, _ in v.INCLUSION[1:]]
)
def test_corrupted_inclusion_proofs_fail(leaf: int, size: int, proof: list[str]) -> None:
    good = [H(p) for p in proof]
    lh = leaf_hash(H(v.LEAVES[leaf - 1]))
    probes = list(_inclusion_probes(leaf - 1, size, good, H(v.ROOTS[size - 1]), lh))

    accepted = [
        n
        for n, (index, tree_size, proof_, root, leaf_) in enumerate(probes)
        if _accepts(verify_inclusion, index, tree_size, leaf_, proof_, root)
    ]

    assert accepted == []  # the numbers of the probes, in _inclusion_probes' order


def _consistency_probes(s1: int, s2: int, r1: bytes, r2: bytes, proof: list[bytes]):  # type: ignore[no-untyped-def]
    yield s1 - 1, s2, r1, r2, proof
    yield s1 + 1, s2, r1, r2, proof
    yield s1 ^ 2, s2, r1, r2, proof
    yield s1, s2 * 2, r1, r2, proof
    yield s1, s2 // 2, r1, r2, proof
    yield s1, s2, b"WrongRoot".ljust(32, b"\0"), r2, proof
    yield s1, s2, r1, b"WrongRoot".ljust(32, b"\0"), proof
    yield s1, s2, r2, r1, proof
    yield s1, s2, r1, r2, []
    yield s1, s2, r1, r2, [*proof, b""]
    yield s1, s2, r1, r2, [*proof, r1]
    yield s1, s2, r1, r2, [*proof, r2]
    yield s1, s2, r1, r2, [b"", *proof]
    yield s1, s2, r1, r2, [r1, *proof]
    yield s1, s2, r1, r2, [r2, *proof]
    yield s1, s2, r1, r2, [proof[0], *proof]
    yield s1, s2, r1, r2, proof[:-1]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        yield s1, s2, r1, r2, bad


@pytest.mark.parametrize(
    ("size1", "size2", "proof"),
    v.CONSISTENCY[1:],
    ids=[f"{a}-to-{b}" for a, b, _ in v.CONSISTENCY[1:]],
)
def test_corrupted_consistency_proofs_fail(size1: int, size2: int, proof: list[str]) -> None:
    good = [H(p) for p in proof]
    probes = list(
        _consistency_probes(size1, size2, H(v.ROOTS[size1 - 1]), H(v.ROOTS[size2 - 1]), good)
    )

    accepted = [n for n, probe in enumerate(probes) if _accepts(verify_consistency, *probe)]

    assert accepted == []  # the numbers of the probes, in _consistency_probes' order


def _accepts(verify: Callable[..., object], *args: object) -> bool:
    """Whether `verify` takes the (corrupted) proof instead of raising ProofError."""
    try:
        verify(*args)
    except ProofError:
        return False
    return True


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "ok"),
    [
        pytest.param(0, 0, b"a" * 32, b"b" * 32, [], False, id="0-0-different-roots"),
        pytest.param(1, 1, b"a" * 32, b"b" * 32, [], False, id="1-1-fork"),
        pytest.param(0, 0, b"a" * 32, b"a" * 32, [], True, id="0-0-same"),
        pytest.param(0, 1, b"a" * 32, b"b" * 32, [], True, id="from-empty"),
        pytest.param(1, 1, b"b" * 32, b"b" * 32, [], True, id="1-1-same"),
        pytest.param(1, 0, b"a" * 32, b"b" * 32, [], False, id="time-travel"),
        pytest.param(2, 1, b"a" * 32, b"b" * 32, [], False, id="time-travel-2"),
        pytest.param(1, 2, b"a" * 32, b"b" * 32, [], False, id="empty-proof"),
        pytest.param(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False, id="from-empty-with-proof"),
        pytest.param(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False, id="equal-with-proof"),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], ok: bool
) -> None:
    if ok:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof)


@pytest.mark.parametrize(
    ("index", "size"),
    [(0, 0), (1, 0), (2, 1), (1, 1)],
    ids=["0-of-0", "1-of-0", "2-of-1", "1-of-1"],
)
def test_inclusion_in_empty_or_out_of_range_is_refused(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        root_from_inclusion(index, size, SOME, [])


def test_a_proof_for_a_leaf_outside_the_tree_is_not_made() -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(3, 3, lambda level, index: SOME)


# ---- every size 0…70 (powers of two included), every index and every prefix ----


DATA = [i.to_bytes(4, "big") * (i % 3) for i in range(70)]


def test_the_empty_tree_has_the_reference_root() -> None:
    assert MemoryTree().root() == _mth([])


@pytest.mark.parametrize("n", range(1, len(DATA) + 1), ids=lambda n: f"size-{n}")
def test_all_sizes_against_the_reference(n: int) -> None:
    tree = MemoryTree()
    for leaf in DATA[:n]:
        tree.append(leaf)

    root = tree.root()

    assert root == _mth(DATA[:n])
    for i in range(n):  # every index of this size; a bad proof raises, naming no other size
        verify_inclusion(i, n, leaf_hash(DATA[i]), tree.inclusion_proof(i), root)
    for m in range(0, n + 1):
        verify_consistency(m, n, _mth(DATA[:m]), root, tree.consistency_proof(m))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=300), st.data())
def test_random_trees_prove_and_refuse(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    root = tree.root()
    assert root == _mth(leaves)
    proof = tree.inclusion_proof(i)
    verify_inclusion(i, n, leaf_hash(leaves[i]), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(i, n, leaf_hash(leaves[i] + b"x"), proof, root)
    cproof = tree.consistency_proof(m)
    verify_consistency(m, n, _mth(leaves[:m]), root, cproof)
    forked = _mth([*leaves[: m - 1], leaves[m - 1] + b"forked"])  # same size, rewritten history
    with pytest.raises(ProofError):
        verify_consistency(m, n, forked, root, cproof)


MILLION = 1_000_000


class _CountingReader:
    """A tree of a million made-up nodes that counts the nodes read."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, int]] = []

    def __call__(self, level: int, index: int) -> bytes:
        self.reads.append((level, index))
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


@pytest.mark.parametrize("index", [0, 1, 524_287, 999_999])
def test_inclusion_proofs_read_o_log_n_nodes_at_a_million_leaves(index: int) -> None:
    reader = _CountingReader()

    proof = inclusion_proof(index, MILLION, reader)

    assert len(proof) <= 20
    assert len(reader.reads) <= 2 * 20


def test_consistency_proofs_read_o_log_n_nodes_at_a_million_leaves() -> None:
    reader = _CountingReader()

    consistency_proof(765_432, MILLION, reader)

    assert len(reader.reads) <= 2 * 20


def test_the_root_reads_o_log_n_nodes_at_a_million_leaves() -> None:
    reader = _CountingReader()

    root_hash(MILLION, reader)

    assert len(reader.reads) <= 20
