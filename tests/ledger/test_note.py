"""Signed notes, checkpoints and cosignatures against published vectors and round trips.

Vectors: the C2SP signed-note example and golang.org/x/mod sumdb/note's PeterNeumann key.
"""

from __future__ import annotations

import pytest

from bitnexus.ledger import note
from bitnexus.ledger.merkle import MemoryTree

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIG = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_spec_example_verifies() -> None:
    verifier = note.parse_verifier(SPEC_VKEY)
    opened = note.verify(SPEC_NOTE, verifier)
    assert opened.text == "This is an example message.\n"
    assert str(verifier) == SPEC_VKEY


def test_go_vector_signs_byte_for_byte() -> None:
    signer = note.parse_signer(GO_SKEY)
    assert str(signer.verifier) == GO_VKEY
    assert str(signer) == GO_SKEY
    # Ed25519 is deterministic, so our signature must equal Go's exactly.
    assert note.sign(GO_TEXT, signer) == GO_TEXT + "\n" + GO_SIG
    note.verify(GO_TEXT + "\n" + GO_SIG, note.parse_verifier(GO_VKEY))


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda m: m.replace("problem,", "problem;"), id="text"),
        pytest.param(lambda m: m.replace("x08go", "x08gp"), id="signature"),
        pytest.param(lambda m: m.replace("PeterNeumann x", "PeterNeuman x"), id="name"),
        pytest.param(lambda m: m.replace("\n\n", "\n"), id="no-blank-line"),
        pytest.param(lambda m: m[:-1], id="no-final-newline"),
    ],
)
def test_tampered_notes_fail(tamper) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(note.NoteError):
        note.verify(tamper(GO_TEXT + "\n" + GO_SIG), note.parse_verifier(GO_VKEY))


@pytest.mark.parametrize(
    "vkey",
    [
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        GO_VKEY.replace("+ARpc", "+AhPc"),
        GO_VKEY[:-2],
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_mangled_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_verifier(vkey)


def test_checkpoint_round_trip_and_signature() -> None:
    tree = MemoryTree()
    for i in range(5):
        tree.append(str(i).encode())
    cp = note.Checkpoint("bitnexus.example/bitnexus/acme", tree.size, tree.root())
    log_key = note.Signer.generate("bitnexus.example/bitnexus/acme")
    signed = note.sign(cp.body(), log_key)

    opened = note.verify(signed, log_key.verifier)
    parsed = note.parse_checkpoint(opened.text)

    assert parsed == cp
    assert opened.text.splitlines()[1] == "5"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "origin\n5\n",
        "origin\n05\nAAAA\n",
        "origin\n5\nnot-base64!\n",
        "origin\n-1\n" + "A" * 44 + "\n",
    ],
    ids=["empty", "no-root", "leading-zero", "root-not-base64", "negative-size"],
)
def test_a_malformed_checkpoint_is_refused(bad: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_checkpoint(bad)


def test_cosignature_v1_round_trip_and_binding() -> None:
    cp = note.Checkpoint("example.com/behind-the-sofa", 20852163, bytes(range(32)))
    witness = note.Signer.generate("witness.example.com/w1", note.COSIGNATURE_V1)
    sig = witness.verifier
    cosig = note.cosign(cp.body(), witness, 1679315147)

    assert note.verify_cosignature(cp.body(), cosig, sig) == 1679315147
    other = note.Checkpoint(cp.origin, cp.size + 1, cp.root_hash)
    with pytest.raises(note.NoteError):
        note.verify_cosignature(other.body(), cosig, sig)
    with pytest.raises(note.NoteError):
        note.cosign(cp.body(), note.Signer.generate("log.example"), 1)  # an 0x01 key cannot cosign
    # the line survives a note round trip
    log_key = note.Signer.generate("example.com/behind-the-sofa")
    signed = note.sign(cp.body(), log_key) + cosig.line()
    reparsed = note.parse(signed)
    assert reparsed.signatures[1] == cosig
    assert str(sig).startswith("witness.example.com/w1+")
    assert note.parse_verifier(str(sig)) == sig
