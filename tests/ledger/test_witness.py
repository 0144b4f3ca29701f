"""The witness: cosigns only checkpoints that extend what it saw; stale, forked and bad refused."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bitnexus.ledger import merkle, note
from bitnexus.ledger import witness as witness_module
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


def _evidence(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("offered_size", "status", "reason"),
    [
        (8, 409, "same size, different root: the log forked"),
        (9, 422, "consistency proof does not verify"),
    ],
    ids=["same-size-other-root", "grown-from-a-rewritten-tree"],
)
def test_a_conflicting_checkpoint_is_refused_and_kept_as_evidence(
    witness: Witness,
    log_key: note.Signer,
    tmp_path: Path,
    offered_size: int,
    status: int,
    reason: str,
) -> None:
    # given a witness that cosigned the honest log at size 8
    honest = _request(log_key, _tree(8), 0, 8)
    assert witness.add_checkpoint(honest).status == 200
    # when the log, rewritten, offers a checkpoint that contradicts it (twice: the log retries)
    forked = _request(log_key, _tree(9, prefix=b"rewritten"), 8, offered_size)
    answer = witness.add_checkpoint(forked)
    again = witness.add_checkpoint(forked)

    # then it is refused, and the answer says where the evidence is
    [kept] = _evidence(tmp_path)
    assert answer.status == status
    assert answer.body.splitlines() == [
        answer.body.splitlines()[0],
        f"evidence kept: evidence/{kept.name}",
    ]
    assert answer.body.startswith(reason)
    assert again == answer
    # and the file holds both signed checkpoints verbatim, the proof and the whole request
    record = json.loads(kept.read_text())
    head, _, offered = forked.partition("\n\n")
    assert record["known"]["checkpoint"] == honest.partition("\n\n")[2]
    assert record["known"]["size"] == 8
    assert record["offered"] == {
        "old": 8,
        "proof": head.split("\n")[1:],
        "checkpoint": offered,
    }
    assert record["request"] == forked
    assert record["origin"] == ORIGIN
    assert record["reason"].startswith(reason)
    # and the witness still holds the honest head: the honest log is cosigned on
    assert witness.add_checkpoint(_request(log_key, _tree(10), 8, 10)).status == 200


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda r: r.replace("old 8", "old 3"), id="stale-size"),
        pytest.param(lambda r: r.replace(ORIGIN, "elsewhere/log"), id="unknown-origin"),
        pytest.param(
            lambda r: r.replace("\n\u2014 " + ORIGIN + " ", "\n\u2014 " + ORIGIN + " AAAA"),
            id="bad-signature",
        ),
        pytest.param(lambda r: r, id="consistent"),
    ],
)
def test_refusals_that_are_no_conflict_keep_nothing(
    witness: Witness, log_key: note.Signer, tmp_path: Path, mangle
) -> None:  # type: ignore[no-untyped-def]
    t = _tree(10)
    assert witness.add_checkpoint(_request(log_key, t, 0, 8)).status == 200

    witness.add_checkpoint(mangle(_request(log_key, t, 8, 10)))

    assert _evidence(tmp_path) == []


def test_evidence_files_are_bounded(
    witness: Witness, log_key: note.Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a witness that keeps at most two evidence files, and an honest head at 8
    monkeypatch.setattr(witness_module, "MAX_EVIDENCE_FILES", 2)
    assert witness.add_checkpoint(_request(log_key, _tree(8), 0, 8)).status == 200

    # when three different forks are offered
    answers = [
        witness.add_checkpoint(_request(log_key, _tree(8, prefix=p), 8, 8))
        for p in (b"one", b"two", b"three")
    ]

    # then the first two are kept, the third is refused all the same, saying it was not kept
    assert [a.status for a in answers] == [409, 409, 409]
    assert "evidence not kept: evidence/ already holds 2 files" in answers[2].body
    assert len(_evidence(tmp_path)) == 2
    assert not list((tmp_path / "evidence").glob("*.tmp"))
