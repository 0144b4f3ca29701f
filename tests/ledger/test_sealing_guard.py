"""The sequence never silently stops: rows deleted or rewritten behind the application's back
(as the database owner) are found before the next block is signed, raise an alarm the
organisation's admins see, and halt sealing for that organisation only, until an operator
resumes it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import jobs, repository
from tests.events import announced
from tests.ledger.support import integrate, seal, sell, seqs, two_account_tenant

TAMPERING = {
    # one statement each, as the owner, on transaction 6 (integrated, not yet in a block)
    "amount": "UPDATE ledger_postings SET amount = amount * 2 WHERE transaction_id = :x",
    "description": "UPDATE ledger_transactions SET description = 'refund' WHERE id = :x",
    "leaf": "UPDATE ledger_transactions SET leaf = leaf || '\\x20'::bytea WHERE id = :x",
    "node": "UPDATE ledger_tree_nodes SET hash = sha256(hash) "
    "WHERE tenant_id = :t AND level = 0 AND index = 6",
    "deleted": "DELETE FROM ledger_postings WHERE transaction_id = :x; "
    "DELETE FROM ledger_transactions WHERE id = :x",
}


def _eager(settings: Settings) -> Settings:
    return settings.model_copy(update={"ledger_seal_leaves": 1, "ledger_seal_seconds": 3600})


async def _sealed_tenant(db: Database, settings: Settings, sales: int) -> tuple[uuid.UUID, str]:
    tid, slug = await two_account_tenant(db, "guard")
    await sell(db, tid, range(sales))
    await seal(db, settings, tid, slug)
    return tid, slug


async def _height(db: Database, tid: uuid.UUID) -> int:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        latest = await repository.latest_block(s)
        return -1 if latest is None else latest.height


async def _alarms(db: Database, tid: uuid.UUID) -> list[tuple[str, str, int | None]]:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return [(a.reporter, a.kind, a.entry_index) for a in await repository.alarms(s, 10)]


def _id_of(owner_engine: Engine, tid: uuid.UUID, seq: int) -> uuid.UUID:
    with owner_engine.connect() as conn:
        return conn.execute(
            text("SELECT id FROM ledger_transactions WHERE tenant_id = :t AND seq = :s"),
            {"t": tid, "s": seq},
        ).scalar_one()


def _tamper(owner_engine: Engine, tid: uuid.UUID, sql: str, seq: int) -> None:
    x = _id_of(owner_engine, tid, seq)
    with owner_engine.begin() as conn:  # the owner bypasses the append-only triggers
        for statement in sql.split("; "):
            assert conn.execute(text(statement), {"t": tid, "x": x}).rowcount >= 1


async def test_a_deleted_tail_is_not_numbered_over_and_halts_only_its_organisation(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given two organisations whose five sales each are sealed into a block
    tampered, _ = await _sealed_tenant(db, settings, 5)
    other, other_slug = await _sealed_tenant(db, settings, 5)
    # when the owner deletes the first one's newest transaction (sequence 4), bypassing the app
    _tamper(owner_engine, tampered, TAMPERING["deleted"], 4)
    # and each organisation makes a new sale, and the sealer runs (twice)
    await sell(db, tampered, [5])
    await sell(db, other, [5])
    sealed = await jobs.seal_due(db, _eager(settings))
    again = await jobs.seal_due(db, _eager(settings))

    # then the new sale is not given the deleted number (nor any): it waits, still counted
    assert await seqs(owner_engine, tampered) == [0, 1, 2, 3, None]
    # and nothing more is signed for it, with one alarm naming the first missing number
    assert await _height(db, tampered) == 0
    assert await _alarms(db, tampered) == [("sealer", "tail_deleted", 4)]
    assert [e["data"]["kind"] for e in announced(owner_engine, str(tampered), "ledger.alarm")] == [
        "tail_deleted"
    ]
    assert (
        f"admins:{tampered}" in announced(owner_engine, str(tampered), "ledger.alarm")[0]["topics"]
    )
    # while the other organisation's sale is sealed as usual, without alarms
    assert (other, other_slug) in sealed
    assert other not in {t for t, _ in again}
    assert await _height(db, other) == 1
    assert await _alarms(db, other) == []


async def test_the_database_refuses_to_number_below_the_tree(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given three sealed sales, the newest deleted by the owner, and a new sale waiting
    tid, _ = await _sealed_tenant(db, settings, 3)
    _tamper(owner_engine, tid, TAMPERING["deleted"], 2)
    await sell(db, tid, [3])
    # when anything asks the database to number it from max(seq) + 1 (into the tree's range)
    # then it refuses
    with pytest.raises(DBAPIError, match="below the tree"):
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            [pending] = await repository.unsequenced(s, 10)
            await repository.sequence(s, 2, [pending.id], [b"{}"])


@pytest.mark.parametrize(
    ("tampering", "kind"),
    [
        ("amount", "leaf_mismatch"),
        ("description", "leaf_mismatch"),
        ("leaf", "leaf_mismatch"),
        ("node", "node_mismatch"),
        ("deleted", "missing_entry"),
    ],
)
async def test_tampering_with_the_range_to_sign_is_caught_before_signing(
    tampering: str, kind: str, db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given five sales sealed into a block and four more integrated but not yet sealed
    tid, slug = await _sealed_tenant(db, settings, 5)
    other, other_slug = await _sealed_tenant(db, settings, 5)
    await sell(db, tid, range(5, 9))
    await sell(db, other, range(5, 9))
    assert await integrate(db, tid) == 9
    # when the owner tampers with transaction 6 of that range
    _tamper(owner_engine, tid, TAMPERING[tampering], 6)
    # and the sealer comes to seal it
    sealed = await jobs.seal_due(db, _eager(settings))

    # then it signs nothing for that organisation and raises an alarm naming transaction 6
    assert (tid, slug) not in sealed
    assert await _height(db, tid) == 0
    assert await _alarms(db, tid) == [("sealer", kind, 6)]
    # while the happy path still seals: the other organisation's block is signed
    assert (other, other_slug) in sealed
    assert await _height(db, other) == 1


async def test_an_operator_resumes_sealing_once_the_log_is_repaired(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given a halted organisation: a tree node of the range to sign was rewritten
    tid, slug = await _sealed_tenant(db, settings, 5)
    await sell(db, tid, range(5, 9))
    await integrate(db, tid)
    with owner_engine.connect() as conn:
        good = conn.execute(
            text(
                "SELECT hash FROM ledger_tree_nodes WHERE tenant_id = :t AND level = 0 AND index = 6"
            ),
            {"t": tid},
        ).scalar_one()
    _tamper(owner_engine, tid, TAMPERING["node"], 6)
    await jobs.seal_due(db, _eager(settings))
    assert await _height(db, tid) == 0

    # when the operator resumes it before the log is repaired, then it stays halted, and the
    # one alarm stays one
    with pytest.raises(jobs.tree.InconsistentLog):
        await jobs.seal_tenant(db, _eager(settings), tid, slug, resume=True)
    await jobs.seal_due(db, _eager(settings))
    assert await _height(db, tid) == 0
    assert await _alarms(db, tid) == [("sealer", "node_mismatch", 6)]

    # when the node is restored (from a backup) and the operator resumes, then it seals again
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger_tree_nodes SET hash = :h "
                "WHERE tenant_id = :t AND level = 0 AND index = 6"
            ),
            {"t": tid, "h": good},
        )
    size, block = await jobs.seal_tenant(db, _eager(settings), tid, slug, resume=True)
    assert (size, block is not None) == (9, True)
    assert await _height(db, tid) == 1


async def test_the_operator_sees_the_halt_and_resumes_from_the_command_line(
    db: Database, settings: Settings, owner_engine: Engine
) -> None:
    # given an organisation halted on a rewritten amount in the range to sign
    tid, slug = await _sealed_tenant(db, settings, 5)
    await sell(db, tid, range(5, 9))
    await integrate(db, tid)
    _tamper(owner_engine, tid, TAMPERING["amount"], 6)
    await jobs.seal_due(db, _eager(settings))
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
    }
    seal_cmd = [str(Path(sys.executable).with_name("bitnexus")), "ledger", "seal", "--tenant", slug]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*seal_cmd, *extra], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    # when the operator seals it, then it is refused: exit 1, saying it is halted
    halted = await asyncio.to_thread(run)
    # when they resume without repairing, then it stays halted
    still = await asyncio.to_thread(run, "--resume")
    # when the amount is put back (from a backup) and they resume, then the block is signed
    _tamper(owner_engine, tid, "UPDATE ledger_postings SET amount = amount / 2 "
            "WHERE transaction_id = :x", 6)  # fmt: skip
    resumed = await asyncio.to_thread(run, "--resume")

    assert (halted.returncode, still.returncode, resumed.returncode) == (1, 1, 0), resumed.stderr
    assert f"{slug}: not signed, sealing halted" in halted.stderr
    assert "does not match its postings" in still.stderr
    assert f"{slug}: 9 leaves, block 1" in resumed.stderr
    assert await _alarms(db, tid) == [("sealer", "leaf_mismatch", 6)]
