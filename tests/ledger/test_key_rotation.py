"""Rotating an organisation's signing key: the change recorded in its log, a handover signed by
both keys, every receipt from before and after still verifying, and the operator's command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import keys, leaf, note, receipt, tree
from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key
from tests.conftest import ClientFactory
from tests.ledger.keys_support import (
    checkpoints,
    published_keys_of,
    receipt_of,
    rotate,
    signed_by,
    verify_problems,
)
from tests.ledger.support import log_identity, seal, sell, two_account_tenant

VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "bitnexus_verify.py"


def _bitnexus_verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VERIFIER), *args], capture_output=True, text=True, timeout=60
    )


async def test_rotation_records_the_change_and_keeps_every_receipt_verifiable(
    db: Database,
    settings: Settings,
    owner_engine: Engine,
    make_client: ClientFactory,
    tmp_path: Path,
) -> None:
    # given a log sealed once, with a receipt saved from it
    tid, slug = await two_account_tenant(db, "rotate")
    await sell(db, tid, range(3))
    await seal(db, settings, tid, slug)
    before = await receipt_of(db, tid, 1)
    old = str((await log_identity(db, settings, tid, slug)).signer.verifier)

    # when its key is rotated, and it seals new sales with the new key
    done = await rotate(db, settings, tid, slug)
    await sell(db, tid, range(3, 5))
    await seal(db, settings, tid, slug)
    after = await receipt_of(db, tid, 5)

    # then the change is an entry of the log: no postings, naming both keys
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        entry = (
            await s.execute(
                text("SELECT seq, metadata FROM ledger_transactions WHERE id = :i"),
                {"i": done.entry_id},
            )
        ).one()
    assert entry.seq == 3
    assert leaf.key_change([], entry.metadata) == (old, done.new_key)
    # and the handover checkpoint includes it, signed by both keys; later ones by the new only
    _, handover, later = checkpoints(owner_engine, tid)
    assert note.parse_checkpoint(note.parse(handover).text).size == 4
    assert signed_by(handover, old)
    assert signed_by(handover, done.new_key)
    assert signed_by(later, done.new_key)
    assert not signed_by(later, old)
    # and both keys are published, the current first
    published = await published_keys_of(make_client, slug)
    assert published == [done.new_key, old]
    # and `ledger verify` passes, and the receipts from before and after verify
    assert verify_problems(owner_engine, settings, slug) == []
    for saved in (before, after):
        receipt.verify(saved, [note.parse_verifier(k) for k in published])
    with pytest.raises(note.NoteError):
        receipt.verify(after, note.parse_verifier(old))

    # and the standalone verifier takes the published keys as a file, or each with --key
    (tmp_path / "keys").write_text("\n".join(published) + "\n")
    (tmp_path / "before").write_text(before)
    (tmp_path / "after").write_text(after)
    runs = {
        "before, file": _bitnexus_verify(
            "receipt", str(tmp_path / "before"), "--keys", str(tmp_path / "keys")
        ),
        "after, file": _bitnexus_verify(
            "receipt", str(tmp_path / "after"), "--keys", str(tmp_path / "keys")
        ),
        "after, both keys": _bitnexus_verify(
            "receipt", str(tmp_path / "after"), "--key", old, "--key", done.new_key
        ),
        "after, old key only": _bitnexus_verify("receipt", str(tmp_path / "after"), "--key", old),
    }
    assert {name: r.returncode for name, r in runs.items()} == {
        "before, file": 0,
        "after, file": 0,
        "after, both keys": 0,
        "after, old key only": 1,
    }
    old_id, new_id = old.split("+")[1], done.new_key.split("+")[1]
    assert f"signed by key {note.parse_verifier(old).name}+{old_id}" in runs["before, file"].stdout
    assert f"+{new_id}" in runs["after, file"].stdout


@pytest.mark.parametrize("case", ["unknown organisation", "halted organisation", "rotated"])
async def test_rotate_key_from_the_command_line(
    db: Database, settings: Settings, owner_engine: Engine, case: str
) -> None:
    # given a sealed organisation (halted by an alarm, in one case)
    tid, slug = await two_account_tenant(db, "cli")
    await sell(db, tid, range(2))
    await seal(db, settings, tid, slug)
    if case == "halted organisation":
        with owner_engine.begin() as conn:
            conn.execute(
                text("UPDATE ledger_tree_states SET halted_at = now() WHERE tenant_id = :t"),
                {"t": tid},
            )
    target = "no-such-org" if case == "unknown organisation" else slug
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
    }
    command = [str(Path(sys.executable).with_name("bitnexus")), "ledger", "rotate-key"]

    # when the operator rotates its key
    out = await asyncio.to_thread(
        subprocess.run,
        [*command, "--tenant", target],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then an unknown organisation is a clear error, a halted one is refused, and nothing is
    # written for either; otherwise the new key is current and the handover is signed
    with owner_engine.connect() as conn:
        versions = (
            conn.execute(
                text(
                    "SELECT version FROM ledger_signing_keys WHERE tenant_id = :t ORDER BY version"
                ),
                {"t": tid},
            )
            .scalars()
            .all()
        )
    said = " ".join(out.stderr.split())
    if case == "unknown organisation":
        assert (out.returncode, versions) == (2, [1]), out.stderr
        assert "no organisation 'no-such-org'" in said
    elif case == "halted organisation":
        assert (out.returncode, versions) == (1, [1]), out.stderr
        assert "sealing is halted" in said
        assert len(checkpoints(owner_engine, tid)) == 1
    else:
        assert (out.returncode, versions) == (0, [1, 2]), out.stderr
        assert "signing key version 2 is current" in said
        assert len(checkpoints(owner_engine, tid)) == 2


@pytest.mark.parametrize(
    ("pinned", "block", "status"),
    [
        ("published keys", "later", 200),
        ("old key only", "handover", 200),  # the handover is how it learns the new key
        ("old key only", "later", 403),
    ],
)
async def test_a_witness_follows_a_rotation_through_the_handover_or_the_published_keys(
    db: Database,
    settings: Settings,
    owner_engine: Engine,
    tmp_path: Path,
    pinned: str,
    block: str,
    status: int,
) -> None:
    # given a log whose key was rotated between its first and its later block
    tid, slug = await two_account_tenant(db, "witnessed")
    await sell(db, tid, range(2))
    await seal(db, settings, tid, slug)
    done = await rotate(db, settings, tid, slug)
    await sell(db, tid, range(2, 4))
    await seal(db, settings, tid, slug)
    _, handover, later = checkpoints(owner_engine, tid)
    keys_ = {
        "published keys": [note.parse_verifier(done.new_key), note.parse_verifier(done.old_key)],
        "old key only": [note.parse_verifier(done.old_key)],
    }[pinned]
    witness = Witness(
        load_or_create_key(tmp_path / "w", "witness.example/k"),
        keys_,
        WitnessState(tmp_path / "state.json"),
    )

    # when the witness is offered the checkpoint
    offered = {"handover": handover, "later": later}[block]
    answer = witness.add_checkpoint(f"old 0\n\n{offered}")

    # then it cosigns what a key it trusts signed, and nothing else
    assert answer.status == status, answer.body


@pytest.mark.parametrize(
    ("height", "signed_with", "named"),
    [
        (1, "new", "old"),  # a handover without the old key's signature: nobody could follow
        (2, "old", "new"),  # a checkpoint after the handover signed with the retired key
    ],
    ids=["handover-without-old-key", "retired-key-signs-later"],
)
async def test_ledger_verify_names_a_block_signed_out_of_turn(
    db: Database,
    settings: Settings,
    owner_engine: Engine,
    height: int,
    signed_with: str,
    named: str,
) -> None:
    # given a rotated log whose block is re-signed (and re-hashed) with one key only, as an
    # operator holding that key's secret could
    tid, slug = await two_account_tenant(db, "turn")
    await sell(db, tid, range(2))
    await seal(db, settings, tid, slug)
    done = await rotate(db, settings, tid, slug)
    await sell(db, tid, range(2, 4))
    await seal(db, settings, tid, slug)
    origin = note.parse_verifier(done.old_key).name
    signer = keys.tenant_signer(settings, tid, {"old": 1, "new": 2}[signed_with], origin)
    with owner_engine.begin() as conn:
        block = conn.execute(
            text("SELECT * FROM ledger_blocks WHERE tenant_id = :t AND height = :h"),
            {"t": tid, "h": height},
        ).one()
        resigned = note.sign(note.parse(block.checkpoint).text, signer)
        digest = tree.block_hash(
            height, bytes(block.prev_hash), block.tree_size, bytes(block.root_hash), resigned
        )
        conn.execute(
            text(
                "UPDATE ledger_blocks SET checkpoint = :c, block_hash = :d"
                " WHERE tenant_id = :t AND height = :h"
            ),
            {"c": resigned, "d": digest, "t": tid, "h": height},
        )
        if height == 1:  # keep the chain to block 2 linked
            conn.execute(
                text("UPDATE ledger_blocks SET prev_hash = :d WHERE tenant_id = :t AND height = 2"),
                {"d": digest, "t": tid},
            )

    # when the operator verifies the ledger
    problems = verify_problems(owner_engine, settings, slug)

    # then the block is named, with the key that should have signed it
    key = {"old": done.old_key, "new": done.new_key}[named]
    assert any(f"height={height}: not signed by {key}" in p for p in problems), problems
