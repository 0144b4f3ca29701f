"""`bitnexus-verify consistency --tiles`: a receipt saved earlier checked against today's public
checkpoint and tiles (over HTTP or from a directory copy), without the private API."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.ledger import note
from tests.factories import signup_org
from tests.ledger import forgery
from tests.ledger.support import BulkLog, bulk_log
from tests.ledger.tlog_reader import tile_path

SOURCE = Path(__file__).resolve().parents[2] / "verifier" / "bitnexus_verify.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SOURCE), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )


def tile_copy(prefix: str, into: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bitnexus.ledger.tile_copy PREFIX DIR`."""
    return subprocess.run(
        [sys.executable, "-m", "bitnexus.ledger.tile_copy", prefix, str(into)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_tiles(prefix: str, size: int, into: Path) -> None:
    """What a mirror of the public log holds: the checkpoint and every hash tile of `size`."""
    paths = ["checkpoint"]
    for level in range(8):
        hashes = size >> (8 * level)
        paths += [tile_path(level, n, 256) for n in range(hashes // 256)]
        if hashes % 256:
            paths.append(tile_path(level, hashes // 256, hashes % 256))
    for path in paths:
        r = httpx.get(prefix + path, timeout=60)
        assert r.status_code == 200, (path, r.text)
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        (into / path).write_bytes(r.content)


@pytest.fixture
async def grown(
    server_url: str, db_urls: DatabaseUrls, settings: Settings
) -> tuple[BulkLog, str, str]:
    """A log signed at 3 and, today, at 600 leaves: the log, its tiles' URL prefix, its key."""
    db = Database(db_urls.app, pool_size=1)
    try:
        async with httpx.AsyncClient(base_url=server_url, timeout=60) as c:
            admin = await signup_org(c)
            tenant = (uuid.UUID(admin.tenant_id), admin.slug)
            log = await bulk_log(db, libpq(db_urls.owner), settings, (3, 600), tenant)
            vkey = (await c.get(f"/api/v1/public/tenants/{admin.slug}/ledger/verifier-key")).text
    finally:
        await db.dispose()
    prefix = f"{server_url}/api/v1/public/tenants/{admin.slug}/ledger/log/"
    return log, prefix, vkey.splitlines()[0]


async def test_a_saved_receipt_is_checked_against_todays_tiles(
    grown: tuple[BulkLog, str, str], tmp_path: Path
) -> None:
    # given a receipt saved when the log had 3 entries, and its checkpoint alone
    log, prefix, vkey = grown
    (tmp_path / "saved.tlog-proof").write_text(log.receipt(1, 3))
    (tmp_path / "saved.checkpoint").write_text(log.checkpoints[3])
    mirror = tmp_path / "mirror"
    copy_tiles(prefix, 600, mirror)

    # when each is checked against today's tiles, served or copied to a directory
    online = run(
        "consistency", str(tmp_path / "saved.tlog-proof"), "--tiles", prefix, "--key", vkey
    )
    offline = run(
        "consistency", str(tmp_path / "saved.tlog-proof"), "--tiles", str(mirror), "--key", vkey
    )
    checkpoint = run(
        "consistency", str(tmp_path / "saved.checkpoint"), "--tiles", prefix, "--key", vkey
    )

    # then the saved tree is a prefix of today's, which holds the transaction
    for done in (online, offline, checkpoint):
        assert done.returncode == 0, done.stderr
        assert "consistent with today's checkpoint" in done.stdout
        assert "(size 600)" in done.stdout
    assert "transaction #1 is in today's tree" in online.stdout
    assert "transaction #1 is in today's tree" in offline.stdout


async def test_a_history_rewritten_since_the_receipt_was_saved_is_refused(
    grown: tuple[BulkLog, str, str], settings: Settings, tmp_path: Path
) -> None:
    # given a receipt whose leaf the operator rewrote and signed again with the log's key: it
    # verifies on its own, but it is not the history today's checkpoint grew from
    log, prefix, vkey = grown
    signer = log.signer
    forged = forgery.rewritten(
        log.receipt(1, 3), signer, lambda leaf: leaf.replace(b"1001", b"9001")
    )
    (tmp_path / "forged").write_text(forged)
    assert run("receipt", str(tmp_path / "forged"), "--key", vkey).returncode == 0

    # when it is checked against today's tiles
    done = run("consistency", str(tmp_path / "forged"), "--tiles", prefix, "--key", vkey)

    # then the check fails and says why
    assert done.returncode == 1
    assert "FAILED: the new checkpoint does not extend the old one" in done.stderr


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("no tiles there", 3, "UNAVAILABLE:"),
        ("a tile missing", 3, "UNAVAILABLE:"),
        ("another log's key", 1, "FAILED: no signature by"),
        ("a proof file as well", 2, "consistency takes OLD NEW PROOF, or OLD --tiles"),
    ],
)
async def test_tiles_mode_says_what_went_wrong(
    grown: tuple[BulkLog, str, str],
    settings: Settings,
    tmp_path: Path,
    case: str,
    status: int,
    message: str,
) -> None:
    log, prefix, vkey = grown
    saved = tmp_path / "saved.tlog-proof"
    saved.write_text(log.receipt(1, 3))
    mirror = tmp_path / "mirror"
    args = ["consistency", str(saved), "--tiles", str(mirror), "--key", vkey]
    if case != "no tiles there":
        copy_tiles(prefix, 600, mirror)
    if case == "a tile missing":
        (mirror / "tile" / "0" / "000").unlink()
    elif case == "another log's key":
        args[-1] = str(note.Signer.generate(f"{log.signer.name}-another").verifier)
    elif case == "a proof file as well":
        args.insert(2, str(saved))

    done = run(*args)

    assert done.returncode == status, done.stderr
    assert message in done.stderr


async def test_a_copy_made_by_tile_copy_serves_the_check_offline(
    grown: tuple[BulkLog, str, str], tmp_path: Path
) -> None:
    # given the public log copied into a directory, twice (the second copy has nothing to fetch)
    log, prefix, vkey = grown
    (tmp_path / "saved.tlog-proof").write_text(log.receipt(2, 3))
    first = tile_copy(prefix, tmp_path / "copy")
    again = tile_copy(prefix, tmp_path / "copy")

    # when the saved receipt is checked against the copy
    done = run(
        "consistency", str(tmp_path / "saved.tlog-proof"), "--tiles", str(tmp_path / "copy"),
        "--key", vkey,
    )  # fmt: skip

    # then the copy holds today's log and the check passes offline
    assert first.returncode == 0, first.stderr
    assert "copied the log at size 600" in first.stdout
    assert "(4 new tiles)" in first.stdout  # 0/000, 0/001, 0/002.p/88, 1/000.p/2
    assert "(0 new tiles)" in again.stdout
    assert done.returncode == 0, done.stderr
    assert "transaction #2 is in today's tree" in done.stdout
