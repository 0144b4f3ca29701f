"""The witness: cosigns only checkpoints that extend what it saw; stale, forked and bad refused."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bitnexus.ledger import merkle, note
from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key

ORIGIN = "bitnexus.local/bitnexus/acme"


@pytest.fixture
def log_key() -> note.Signer:
    return note.Signer.generate(ORIGIN)


@pytest.fixture
def witness(tmp_path: Path, log_key: note.Signer) -> Witness:
    signer = load_or_create_key(tmp_path, "witness.example/w1")
    return Witness(signer, [log_key.verifier], WitnessState(tmp_path / "state.json"))


def _tree(n: int, prefix: bytes = b"tx") -> merkle.MemoryTree:
    t = merkle.MemoryTree()
    for i in range(n):
        t.append(prefix + str(i).encode())
    return t


def _request(
    log_key: note.Signer,
    t: merkle.MemoryTree,
    old: int,
    size: int,
    proof: list[bytes] | None = None,
) -> str:
    signed = note.sign(note.Checkpoint(ORIGIN, size, t.root(size)).body(), log_key)
    lines = [
        f"old {old}",
        *(
            base64.b64encode(p).decode()
            for p in (t.consistency_proof(old, size) if proof is None else proof)
        ),
    ]
    return "\n".join(lines) + "\n\n" + signed


def test_cosigns_a_growing_log(witness: Witness, log_key: note.Signer) -> None:
    t = _tree(10)
    first = witness.add_checkpoint(_request(log_key, t, 0, 4), now=1_700_000_000)
    second = witness.add_checkpoint(_request(log_key, t, 4, 10), now=1_700_000_100)

    assert first.status == 200
    assert second.status == 200
    sig = note.parse("x\n\n" + second.body).signatures[0]
    body = note.Checkpoint(ORIGIN, 10, t.root(10)).body()
    assert note.verify_cosignature(body, sig, witness.signer.verifier) == 1_700_000_100


def test_stale_size_is_409_with_the_known_size(witness: Witness, log_key: note.Signer) -> None:
    t = _tree(10)
    assert witness.add_checkpoint(_request(log_key, t, 0, 6)).status == 200
    stale = witness.add_checkpoint(_request(log_key, t, 3, 10))
    assert (stale.status, stale.body, stale.content_type) == (409, "6\n", "text/x.tlog.size")


def test_bad_proof_is_refused_and_state_unchanged(witness: Witness, log_key: note.Signer) -> None:
    t = _tree(10)
    assert witness.add_checkpoint(_request(log_key, t, 0, 5)).status == 200
    bad = witness.add_checkpoint(_request(log_key, t, 5, 10, proof=[b"\x00" * 32] * 3))
    assert bad.status == 422
    assert witness.add_checkpoint(_request(log_key, t, 5, 10)).status == 200


def test_a_fork_is_refused(witness: Witness, log_key: note.Signer) -> None:
    honest, forked = _tree(8), _tree(8, prefix=b"rewritten")
    assert witness.add_checkpoint(_request(log_key, honest, 0, 8)).status == 200
    same_size = witness.add_checkpoint(_request(log_key, forked, 8, 8))
    bigger = _tree(9, prefix=b"rewritten")
    grown = witness.add_checkpoint(_request(log_key, bigger, 8, 9))
    assert same_size.status == 409
    assert "forked" in same_size.body
    assert grown.status == 422


@pytest.mark.parametrize(
    ("mangle", "status"),
    [
        pytest.param(lambda r: r.replace("old 0", "old 007"), 400, id="leading-zero"),
        pytest.param(lambda r: r.replace("old 0", "old 99"), 400, id="old-beyond-size"),
        pytest.param(lambda r: r.replace(ORIGIN, "elsewhere/log"), 404, id="unknown-origin"),
        pytest.param(
            lambda r: r.replace("\n\u2014 " + ORIGIN + " ", "\n\u2014 " + ORIGIN + " AAAA"),
            403,
            id="bad-signature",
        ),
        pytest.param(
            lambda r: r.replace("old 0\n", "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
            422,
            id="proof-from-zero",
        ),
        pytest.param(lambda r: "garbage", 400, id="garbage"),
    ],
)
def test_malformed_or_untrusted_requests(
    witness: Witness, log_key: note.Signer, mangle, status: int
) -> None:  # type: ignore[no-untyped-def]
    assert witness.add_checkpoint(mangle(_request(log_key, _tree(3), 0, 3))).status == status


def test_check_and_persist_is_atomic_under_concurrency(
    witness: Witness, log_key: note.Signer
) -> None:
    t = _tree(20)
    assert witness.add_checkpoint(_request(log_key, t, 0, 5)).status == 200
    requests = [_request(log_key, t, 5, size) for size in range(6, 20)]
    results: list[int] = []

    def send(req: str) -> None:
        results.append(witness.add_checkpoint(req).status)

    threads = [threading.Thread(target=send, args=(r,)) for r in requests]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert results.count(200) == 1  # exactly one advance from 5; every other one sees a new size
    assert results.count(409) == len(requests) - 1


async def test_http_interface(witness: Witness, log_key: note.Signer) -> None:
    transport = httpx.ASGITransport(app=witness.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://w") as c:
        ok = await c.post("/add-checkpoint", content=_request(log_key, _tree(3), 0, 3))
        stale = await c.post("/add-checkpoint", content=_request(log_key, _tree(3), 0, 3))
        key = await c.get("/")
    assert ok.status_code == 200
    assert ok.text.startswith("\u2014 witness.example/w1 ")
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("text/x.tlog.size")
    assert key.text.strip() == str(witness.signer.verifier)


def test_key_persists_and_cli_explains_itself(tmp_path: Path) -> None:
    a = load_or_create_key(tmp_path, "w.example/1")
    b = load_or_create_key(tmp_path, "w.example/1")
    assert str(a) == str(b)
    assert oct((tmp_path / "witness.key").stat().st_mode & 0o777) == "0o600"
    out = subprocess.run(
        [str(Path(sys.executable).with_name("bitnexus")), "ledger", "witness", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    assert out.returncode == 0
    assert "tlog-witness" in out.stdout
