"""bitnexus-verify: installable on its own, imports no server code, checks real receipts."""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import note
from tests.conftest import ClientFactory
from tests.factories import log_identity_of, make_ledger, signup_org
from tests.ledger import forgery
from tests.ledger import rfc6962_vectors as v

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "verifier" / "bitnexus_verify.py"
H = bytes.fromhex


@pytest.fixture(scope="module")
def bv() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bitnexus_verify", SOURCE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bitnexus_verify"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_it_imports_no_server_code() -> None:
    code = (
        "import sys; sys.modules['bitnexus'] = None; "
        f"sys.path.insert(0, {str(SOURCE.parent)!r}); import bitnexus_verify; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_it_installs_on_its_own(tmp_path: Path) -> None:
    # Build from a copy: pip leaves build/ and *.egg-info next to the sources it builds.
    source = shutil.copytree(SOURCE.parent, tmp_path / "src")
    target = tmp_path / "installed"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*pip, str(source)], check=True, capture_output=True)
    assert (target / "bin" / "bitnexus-verify").exists()
    assert (target / "bitnexus_verify.py").exists()


@pytest.mark.parametrize(
    ("leaf", "size", "proof"), v.INCLUSION, ids=[f"{a}-of-{b}" for a, b, _ in v.INCLUSION]
)
def test_rfc6962_inclusion_vectors(bv: ModuleType, leaf: int, size: int, proof: list[str]) -> None:
    root = bv.root_from_inclusion(
        leaf - 1, size, bv.leaf_hash(H(v.LEAVES[leaf - 1])), [H(p) for p in proof]
    )

    assert root == H(v.ROOTS[size - 1])


@pytest.mark.parametrize(
    ("size1", "size2", "proof"), v.CONSISTENCY, ids=[f"{a}-to-{b}" for a, b, _ in v.CONSISTENCY]
)
def test_rfc6962_consistency_vectors(
    bv: ModuleType, size1: int, size2: int, proof: list[str]
) -> None:
    old, new, hashes = H(v.ROOTS[size1 - 1]), H(v.ROOTS[size2 - 1]), [H(p) for p in proof]

    bv.verify_consistency(size1, size2, old, new, hashes)
    if proof:  # the roots swapped do not verify (an empty proof has nothing to check)
        with pytest.raises(bv.VerifyError):
            bv.verify_consistency(size1, size2, new, old, hashes)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SOURCE), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )


async def test_cli_checks_a_real_receipt_and_checkpoints(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings, tmp_path: Path
) -> None:
    # given a receipt for sale 4, the two blocks' checkpoints and the proof between them, as
    # files a user downloaded
    admin = await signup_org(make_client())
    ids = await make_ledger(db_urls, settings, admin, 6, seal_at=(2, 6))
    c, h = admin.client, admin.headers
    vkey = (await c.get(f"/api/v1/public/tenants/{admin.slug}/ledger/verifier-key")).text.strip()
    receipt = (await c.get(f"/api/v1/ledger/transactions/{ids[4]}/receipt", headers=h)).text
    (tmp_path / "r.tlog-proof").write_text(receipt)
    old = (await c.get("/api/v1/ledger/blocks/0", headers=h)).json()["checkpoint"]
    new = (await c.get("/api/v1/ledger/blocks/1", headers=h)).json()["checkpoint"]
    proof = (await c.get("/api/v1/ledger/consistency?from_size=2&to_size=6", headers=h)).json()[
        "proof"
    ]
    (tmp_path / "old").write_text(old)
    (tmp_path / "new").write_text(new)
    (tmp_path / "proof").write_text("\n".join(proof))

    # when the standalone CLI checks them, the checkpoints swapped, a forged leaf, a wrong key
    ok = _run("receipt", str(tmp_path / "r.tlog-proof"), "--key", vkey)
    grows = _run(
        "consistency",
        str(tmp_path / "old"),
        str(tmp_path / "new"),
        str(tmp_path / "proof"),
        "--key",
        vkey,
    )
    backwards = _run(
        "consistency",
        str(tmp_path / "new"),
        str(tmp_path / "old"),
        str(tmp_path / "proof"),
        "--key",
        vkey,
    )
    leaf_line = receipt.splitlines()[1]
    forged_leaf = base64.b64decode(leaf_line[6:]).replace(b"1004", b"1005")
    (tmp_path / "forged").write_text(
        receipt.replace(leaf_line, "extra " + base64.b64encode(forged_leaf).decode())
    )
    forged = _run("receipt", str(tmp_path / "forged"), "--key", vkey)
    wrong_key = _run(
        "receipt", str(tmp_path / "r.tlog-proof"), "--key", vkey.replace(admin.slug, "another-org")
    )

    # then only the genuine receipt and the growing log pass
    assert ok.returncode == 0, ok.stderr
    assert "OK: transaction #4" in ok.stdout
    assert "vendor:1:receivable: 1004 USD" in ok.stdout
    assert grows.returncode == 0, grows.stderr
    assert backwards.returncode == 1
    assert forged.returncode == 1
    assert "not in the signed tree" in forged.stderr
    assert wrong_key.returncode == 1


@dataclass(frozen=True)
class Receipts:
    folder: Path
    log_key: str
    witness_key: str


@pytest.fixture
async def receipts(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings, tmp_path: Path
) -> Receipts:
    """Sale 1's genuine receipt cosigned by a witness, and what an operator holding the log's
    signing secret could make of it, as files."""
    admin = await signup_org(make_client())
    ids = await make_ledger(db_urls, settings, admin, 3, seal_at=(3,))
    c, h = admin.client, admin.headers
    genuine = (await c.get(f"/api/v1/ledger/transactions/{ids[1]}/receipt", headers=h)).text
    witness = forgery.witness_signer()
    log = (await log_identity_of(db_urls, settings, admin)).signer
    raise_amount = lambda leaf: leaf.replace(b"1001", b"9001")  # noqa: E731
    made_up = note.Signature(forgery.WITNESS, witness.verifier.key_id, bytes(8 + 64))
    files = {
        "bare": genuine,
        "cosigned": forgery.cosigned(genuine, witness),
        "rewritten": forgery.rewritten(forgery.cosigned(genuine, witness), log, raise_amount),
        "rewritten-alone": forgery.rewritten(genuine, log, raise_amount),
        "made-up-line": forgery.with_line(genuine, made_up),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    vkey = (await c.get(f"/api/v1/public/tenants/{admin.slug}/ledger/verifier-key")).text
    return Receipts(tmp_path, vkey.strip(), str(witness.verifier))


@pytest.mark.parametrize(
    ("receipt", "minimum", "passes", "says"),
    [
        ("cosigned", 1, True, f"cosigned by {forgery.WITNESS} at"),
        ("bare", 0, True, "no pinned witness cosigned it"),
        ("bare", 1, False, "0 of the pinned witnesses cosigned this checkpoint"),
        # the perfect forgery: leaf, root and log signature all consistent
        ("rewritten", 0, False, f"the cosignature of {forgery.WITNESS} does not verify"),
        ("rewritten-alone", 1, False, "0 of the pinned witnesses cosigned this checkpoint"),
        ("made-up-line", 0, False, f"the cosignature of {forgery.WITNESS} does not verify"),
    ],
)
async def test_cli_trusts_only_the_cosignatures_of_pinned_witnesses(
    receipts: Receipts, receipt: str, minimum: int, passes: bool, says: str
) -> None:
    # when a receipt is checked with the witness's key pinned
    out = _run(
        "receipt",
        str(receipts.folder / receipt),
        "--key",
        receipts.log_key,
        "--witness",
        receipts.witness_key,
        "--min-witnesses",
        str(minimum),
    )

    # then only what the witness really cosigned passes, and the answer says why
    assert (out.returncode == 0) is passes, out.stdout + out.stderr
    assert says in out.stdout + out.stderr


async def test_without_a_pinned_witness_the_perfect_forgery_passes(receipts: Receipts) -> None:
    # given the forgery of an operator holding the log's key, checked with the log's key alone
    out = _run("receipt", str(receipts.folder / "rewritten"), "--key", receipts.log_key)

    # then it verifies (why witnesses must be pinned), and the witness line is only reported
    assert out.returncode == 0, out.stderr
    assert "9001 USD" in out.stdout
    assert f"also signed by {forgery.WITNESS} (no key pinned for it: not checked)" in out.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--min-witnesses", "1"], "--min-witnesses is more than the witness keys given"),
        (["--witness", "not-a-key"], "a verifier key looks like"),
    ],
)
async def test_a_witness_policy_that_cannot_hold_is_refused(
    receipts: Receipts, args: list[str], says: str
) -> None:
    out = _run("receipt", str(receipts.folder / "cosigned"), "--key", receipts.log_key, *args)

    assert out.returncode == 1
    assert says in out.stderr
