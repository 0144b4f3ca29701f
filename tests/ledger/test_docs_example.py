"""The worked example of docs/ledger.md ("For outside verifiers") still holds: the receipt and key
it shows are what the ledger's own code makes from the example's inputs, and the Python script
and openssl command it gives, run as written, print what the doc says they print."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bitnexus.ledger import leaf, merkle, note, receipt

SH = shutil.which("sh") or "/bin/sh"
DOC = Path(__file__).parents[2] / "docs" / "ledger.md"
ORIGIN = "bitnexus.example/bitnexus/acme"
TENANT = uuid.UUID("0193a5b0-7c1e-7000-8000-00000000ac3e")
# the example's only secret: a fixed seed, so its signature (Ed25519 is deterministic) is stable
LOG_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"docs/ledger.md example").digest())


def _leaf(seq: int) -> bytes:
    return leaf.leaf_bytes(
        tenant=TENANT,
        transaction_id=uuid.UUID(f"0193a5b1-0000-7000-8000-{seq:012x}"),
        seq=seq,
        key=f"conversion:{1000 + seq}:commission",
        at=dt.datetime(2026, 12, 4, 9, 30, seq, 250_000, tzinfo=dt.UTC),
        content=leaf.request_content(
            [
                {"account": "vendor:7:receivable", "amount": 2500 + seq, "currency": "EUR"},
                {"account": "affiliate:42:pending", "amount": -2250 - seq, "currency": "EUR"},
                {"account": "platform:fees", "amount": -250, "currency": "EUR"},
            ],
            f"Commission on order {1000 + seq}",
            {"order_id": str(1000 + seq)},
            None,
        ),
    )


def example() -> tuple[str, str]:
    """The receipt of transaction 1 in a log of three, and the log's verifier key."""
    signer = note.Signer(ORIGIN, note.ED25519, LOG_KEY)
    tree = merkle.MemoryTree()
    leaves = [_leaf(seq) for seq in range(3)]
    for data in leaves:
        tree.append(data)
    checkpoint = note.sign(note.Checkpoint(ORIGIN, 3, tree.root()).body(), signer)
    made = receipt.Receipt(leaves[1], 1, tree.inclusion_proof(1), checkpoint)
    return str(made), str(signer.verifier)


def blocks() -> dict[str, str]:
    """The doc's code blocks marked `<!-- example: NAME -->`, by name."""
    found = re.findall(r"<!-- example: ([\w-]+) -->\n```[\w-]*\n(.*?)```", DOC.read_text(), re.S)
    return dict(found)


def test_the_docs_receipt_and_key_are_what_the_ledger_makes() -> None:
    text, vkey = example()
    shown = blocks()

    assert shown["receipt"] == text
    assert shown["verifier-key"] == vkey + "\n"
    got, checkpoint = receipt.verify(text, note.parse_verifier(vkey))
    assert (got.index, checkpoint.size) == (1, 3)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    text, vkey = example()
    (tmp_path / "receipt.tlog-proof").write_text(text)
    (tmp_path / "verifier-key.txt").write_text(vkey + "\n")
    return tmp_path


def test_the_docs_script_prints_what_the_doc_says(folder: Path) -> None:
    shown = blocks()
    (folder / "verify_receipt.py").write_text(shown["script"])

    # run as an outsider would: isolated from this project, the standard library only
    out = subprocess.run(
        [sys.executable, "-I", "verify_receipt.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert out.stdout == shown["script-output"]
    assert "root matches the checkpoint: True" in out.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl on this machine")
def test_the_docs_openssl_check_verifies_the_signature(folder: Path) -> None:
    shown = blocks()
    (folder / "verify_receipt.py").write_text(shown["script"])
    subprocess.run([sys.executable, "-I", "verify_receipt.py"], cwd=folder, check=True, timeout=60)

    out = subprocess.run(
        [SH, "-c", shown["openssl"]], cwd=folder, capture_output=True, text=True, timeout=60
    )
    # and a changed byte of what was signed fails it
    (folder / "signed.txt").write_bytes((folder / "signed.txt").read_bytes().replace(b"3", b"4"))
    forged = subprocess.run(
        [SH, "-c", shown["openssl"]], cwd=folder, capture_output=True, text=True, timeout=60
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout == shown["openssl-output"]
    assert forged.returncode != 0
