"""Tampering with any ledger row, as the owner bypassing the triggers, is found and named."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.ledger import note
from bitnexus.ledger.verify import verify
from tests.ledger import forgery
from tests.ledger.support import seal, sell, two_account_tenant


@pytest.fixture
async def sealed_tenant(db: Database, settings: Settings) -> tuple[uuid.UUID, str]:
    """A tenant with 8 sales, integrated and sealed into two blocks."""
    tid, slug = await two_account_tenant(db, "verify")
    for batch in (range(0, 5), range(5, 8)):
        await sell(db, tid, batch)
        await seal(db, settings, tid, slug)
    return tid, slug


def _problems(owner_engine: Engine, settings: Settings, slug: str) -> list[str]:
    with owner_engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    return report.problems


def test_an_untouched_ledger_verifies(
    sealed_tenant: tuple[uuid.UUID, str], owner_engine: Engine, settings: Settings
) -> None:
    _, slug = sealed_tenant
    with owner_engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    assert report.ok, report.problems
    assert (report.transactions, report.blocks) == (8, 2)


TAMPERING = {
    "posting-amount": (
        [
            "UPDATE ledger_postings SET amount = amount + 1 WHERE tenant_id = :t AND position = 0 AND transaction_id = (SELECT id FROM ledger_transactions WHERE tenant_id = :t AND seq = 3)"
        ],
        ["seq=3", "do not balance"],
    ),
    "leaf": (
        [
            "UPDATE ledger_transactions SET leaf = leaf || '\\x20'::bytea WHERE tenant_id = :t AND seq = 2"
        ],
        ["seq=2", "leaf does not match"],
    ),
    "stored-node": (
        [
            "UPDATE ledger_tree_nodes SET hash = sha256(hash) WHERE tenant_id = :t AND level = 0 AND index = 1"
        ],
        ["ledger_tree_nodes level=0 index=1"],
    ),
    "block-root": (
        [
            "UPDATE ledger_blocks SET root_hash = sha256(root_hash) WHERE tenant_id = :t AND height = 1"
        ],
        ["ledger_blocks height=1", "root"],
    ),
    "signature": (
        [
            "UPDATE ledger_blocks SET checkpoint = overlay(checkpoint placing (CASE WHEN substr(checkpoint, length(checkpoint) - 5, 1) = 'A' THEN 'B' ELSE 'A' END) from length(checkpoint) - 5 for 1) WHERE tenant_id = :t AND height = 0"
        ],
        ["ledger_blocks height=0", "signature"],
    ),
    "deleted-row": (
        [
            "DELETE FROM ledger_postings WHERE tenant_id = :t AND transaction_id = (SELECT id FROM ledger_transactions WHERE tenant_id = :t AND seq = 4)",
            "DELETE FROM ledger_transactions WHERE tenant_id = :t AND seq = 4",
        ],
        ["expected sequence 4"],
    ),
    "reordered-rows": (
        [
            "UPDATE ledger_transactions SET seq = seq + 1000 WHERE tenant_id = :t AND seq IN (1, 2)",
            "UPDATE ledger_transactions SET seq = 3 - (seq - 1000) WHERE tenant_id = :t AND seq IN (1001, 1002)",
        ],
        ["seq=1", "leaf does not match"],
    ),
    "balance": (
        ["UPDATE ledger_balances SET balance = balance + 5 WHERE tenant_id = :t"],
        ["ledger_balances account=a"],
    ),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_is_detected_and_named(
    kind: str, sealed_tenant: tuple[uuid.UUID, str], owner_engine: Engine, settings: Settings
) -> None:
    tenant_id, slug = sealed_tenant
    statements, expected = TAMPERING[kind]
    with owner_engine.begin() as conn:  # in order: each statement must change a row
        changed = {sql: conn.execute(text(sql), {"t": tenant_id}).rowcount for sql in statements}
        assert all(rows >= 1 for rows in changed.values()), changed

    problems = _problems(owner_engine, settings, slug)

    assert problems, kind
    assert any(all(word in p for word in expected) for p in problems), problems


def test_cli_exit_codes(
    sealed_tenant: tuple[uuid.UUID, str], owner_engine: Engine, settings: Settings
) -> None:
    tenant_id, slug = sealed_tenant
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
    }
    cmd = [str(Path(sys.executable).with_name("bitnexus")), "ledger", "verify", "--tenant", slug]

    seal = subprocess.run(
        [*cmd[:2], "seal", "--tenant", slug],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    good = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger_tree_nodes SET hash = sha256(hash) WHERE tenant_id = :t AND level = 1 AND index = 0"
            ),
            {"t": tenant_id},
        )
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert seal.returncode == 0, seal.stderr
    assert f"{slug}: 8 leaves, no new block" in seal.stderr
    assert good.returncode == 0, good.stderr
    assert "ok" in good.stderr
    assert bad.returncode == 1
    assert "ledger_tree_nodes level=1 index=0" in bad.stderr


WITNESS = forgery.witness_signer()


def _cosign_block(owner_engine: Engine, tenant_id: uuid.UUID, height: int) -> None:
    """Store the witness's genuine cosignature on block `height`, as the sealer would."""
    with owner_engine.begin() as conn:
        checkpoint = conn.execute(
            text("SELECT checkpoint FROM ledger_blocks WHERE tenant_id = :t AND height = :h"),
            {"t": tenant_id, "h": height},
        ).scalar_one()
        line = note.cosign(note.parse(checkpoint).text, WITNESS, 1_780_000_000).line()
        conn.execute(
            text(
                "INSERT INTO ledger_cosignatures (tenant_id, height, witness, line)"
                " VALUES (:t, :h, :w, :line)"
            ),
            {"t": tenant_id, "h": height, "w": WITNESS.name, "line": line},
        )


def _witnessed(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"witnesses": [f"https://witness.example {WITNESS.verifier}"]}
    )


@pytest.mark.parametrize(
    ("configured", "cosignatures", "unchecked"),
    [(True, 2, 0), (False, 0, 2)],
    ids=["witness-configured", "witness-no-longer-configured"],
)
def test_stored_cosignatures_are_checked_against_the_witnesses_keys(
    sealed_tenant: tuple[uuid.UUID, str],
    owner_engine: Engine,
    settings: Settings,
    configured: bool,
    cosignatures: int,
    unchecked: int,
) -> None:
    # given both blocks cosigned by a witness
    tenant_id, slug = sealed_tenant
    for height in (0, 1):
        _cosign_block(owner_engine, tenant_id, height)

    # when the ledger is verified, with or without the witness's key configured
    with owner_engine.connect() as conn:
        (report,) = verify(conn, _witnessed(settings) if configured else settings, slug)

    # then each cosignature is verified, or counted as one no key can check
    assert report.ok, report.problems
    assert (report.cosignatures, report.unchecked_cosignatures) == (cosignatures, unchecked)


@pytest.mark.parametrize(
    "tampering",
    [
        # another block's cosignature moved onto this one
        "UPDATE ledger_cosignatures SET line = (SELECT line FROM ledger_cosignatures"
        " WHERE tenant_id = :t AND height = 0) WHERE tenant_id = :t AND height = 1",
        # the checkpoint rewritten under a cosignature (signature aside: the log's key is
        # checked on its own)
        "UPDATE ledger_blocks SET checkpoint = replace(checkpoint, E'\\n\\n', E'\\nextra\\n\\n')"
        " WHERE tenant_id = :t AND height = 1",
    ],
    ids=["line-moved", "checkpoint-changed"],
)
def test_a_cosignature_that_does_not_verify_is_named(
    sealed_tenant: tuple[uuid.UUID, str], owner_engine: Engine, settings: Settings, tampering: str
) -> None:
    # given both blocks cosigned, then one cosignature no longer matching its checkpoint
    tenant_id, slug = sealed_tenant
    for height in (0, 1):
        _cosign_block(owner_engine, tenant_id, height)
    with owner_engine.begin() as conn:
        assert conn.execute(text(tampering), {"t": tenant_id}).rowcount == 1

    # when the ledger is verified with the witness's key
    problems = _problems(owner_engine, _witnessed(settings), slug)

    # then the bad cosignature is named
    assert any("ledger_cosignatures height=1" in p and "does not verify" in p for p in problems), (
        problems
    )
