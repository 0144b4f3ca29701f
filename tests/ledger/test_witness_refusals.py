"""A witness's refusal that shows the log contradicting what the witness cosigned becomes one
ledger alarm, with both checkpoints kept as evidence; a witness that is down or misconfigured
raises none."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from structlog.testing import capture_logs

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import note, repository, service, witnessing
from bitnexus.ledger.models import LedgerAlarm
from bitnexus.ledger.service import PostingSpec as P
from bitnexus.ledger.verify import verify
from bitnexus.ledger.witness import Witness, WitnessState
from tests.conftest import ClientFactory
from tests.events import announced
from tests.factories import make_ledger, signup_affiliate, signup_org
from tests.ledger import forgery
from tests.ledger.refusals import (
    WITNESS,
    client_of,
    config_of,
    latest_checkpoint,
    push,
    rewritten_after_cosigning,
    start_witness,
)
from tests.ledger.support import log_identity, seal, sell, two_account_tenant


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # the back-off's clock stands still: a refused witness is not asked again within a test
    # unless the test says so with a fresh back-off
    monkeypatch.setattr(witnessing, "time", SimpleNamespace(monotonic=lambda: 1_000.0))


async def _sealed(db: Database, settings: Settings, sales: range) -> tuple[uuid.UUID, str]:
    tid, slug = await two_account_tenant(db, "refusal")
    await sell(db, tid, sales)
    await seal(db, settings, tid, slug)
    return tid, slug


async def _alarms(db: Database, tid: uuid.UUID) -> list[LedgerAlarm]:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await repository.alarms(s, 10)


def _counted(owner_engine: Engine, tid: uuid.UUID) -> float | None:
    """What `/metrics` reports as `bitnexus_ledger_alarms_total` for the organisation."""
    with owner_engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT value FROM bitnexus_ops_metrics()"
                " WHERE metric = 'bitnexus_ledger_alarms' AND label = :t"
            ),
            {"t": str(tid)},
        ).scalar_one_or_none()


async def test_a_rewritten_log_refused_by_its_witness_is_one_alarm_with_both_checkpoints(
    db: Database, settings: Settings, owner_engine: Engine, tmp_path: Path
) -> None:
    # given a log of three sales whose checkpoint a real witness cosigned, then rewritten by
    # someone holding its signing key and database (transaction 1's amounts doubled, every
    # node and checkpoint recomputed and signed again), then grown by three sales and sealed
    tid, slug = await _sealed(db, settings, range(3))

    async def grow() -> None:
        await sell(db, tid, range(3, 6))
        await seal(db, settings, tid, slug)

    refused = await rewritten_after_cosigning(db, owner_engine, settings, tid, slug, tmp_path, grow)
    # (the rewrite is perfect: the log's own full check finds nothing)
    with owner_engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    assert report.ok, report.problems

    # when the sealer pushes the refused checkpoint again, later (the witness still refuses)
    async with client_of(refused.witness) as client:
        assert await push(db, tid, [config_of(refused.witness)], client) == []

    # then there is one alarm, a fork reported by the witness, naming the refused checkpoint
    [alarm] = await _alarms(db, tid)
    assert (alarm.reporter, alarm.kind, alarm.tree_size) == (WITNESS, "fork", 6)
    assert "consistency proof from the 3 entries it cosigned to 6 does not verify" in alarm.detail
    # with the evidence: the checkpoint offered, verbatim with the log's signature, the
    # request (old size and proof) and the witness's answer
    evidence = alarm.evidence
    assert evidence is not None
    assert evidence["witness"] == WITNESS
    assert evidence["offered"] == {"height": 1, "tree_size": 6, "checkpoint": refused.offered}
    log = (await log_identity(db, settings, tid, slug)).signer
    note.verify(evidence["offered"]["checkpoint"], log.verifier)
    assert evidence["request"].startswith("old 3\n")
    assert evidence["request"].endswith("\n\n" + refused.offered)
    assert evidence["answer"]["status"] == 422
    assert evidence["answer"]["body"].startswith("consistency proof does not verify")
    # and the checkpoint the witness last cosigned, by the log's records, with its cosignature,
    # which no longer verifies over the re-signed checkpoint stored in its place
    cosigned = evidence["cosigned"]
    assert (cosigned["height"], cosigned["tree_size"]) == (0, 3)
    assert cosigned["cosignature"].startswith(f"\u2014 {WITNESS} ")
    assert cosigned["checkpoint"] != refused.cosigned
    assert cosigned["cosignature_verifies"] is False
    # and the admins are told (a `ledger.alarm` event for the ledger and admins topics), once
    [event] = announced(owner_engine, str(tid), "ledger.alarm")
    assert event["topics"] == [f"ledger:{tid}", f"admins:{tid}"]
    assert (event["data"]["kind"], event["data"]["halted"]) == ("fork", False)
    assert event["data"]["reporter"] == WITNESS
    # and `/metrics` counts it with the other ledger alarms
    assert _counted(owner_engine, tid) == 1
    # while the witness kept the conflicting checkpoint it was offered, beside its state:
    # the genuine checkpoint it cosigned and the rewritten one, both signed by the log's key
    [kept] = sorted((tmp_path / "evidence").iterdir())
    record = json.loads(kept.read_text())
    assert record["known"]["checkpoint"] == refused.cosigned
    assert record["offered"]["checkpoint"] == refused.offered
    assert record["request"] == evidence["request"]
    assert f"evidence kept: evidence/{kept.name}" in evidence["answer"]["body"]


def _delete_cosignatures(owner_engine: Engine, tid: uuid.UUID) -> None:
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_cosignatures WHERE tenant_id = :t"), {"t": tid})


def _delete_block(owner_engine: Engine, tid: uuid.UUID, height: int) -> None:
    with owner_engine.begin() as conn:
        conn.execute(
            text("DELETE FROM ledger_cosignatures WHERE tenant_id = :t AND height = :h"),
            {"t": tid, "h": height},
        )
        conn.execute(
            text("DELETE FROM ledger_blocks WHERE tenant_id = :t AND height = :h"),
            {"t": tid, "h": height},
        )


@pytest.mark.parametrize(
    ("case", "kind", "status", "says"),
    [
        ("same-size", "fork", 409, "another root for the same 3 entries"),
        (
            "rolled-back",
            "rollback",
            409,
            "the witness cosigned 6 entries, the log now signs only 3",
        ),
    ],
    ids=["rewritten-at-the-cosigned-size", "rolled-back-below-the-cosigned-size"],
)
async def test_other_contradictions_are_alarms_too(
    db: Database,
    settings: Settings,
    owner_engine: Engine,
    tmp_path: Path,
    case: str,
    kind: str,
    status: int,
    says: str,
) -> None:
    tid, slug = await _sealed(db, settings, range(3))
    witness = await start_witness(tmp_path, db, settings, tid, slug)
    async with client_of(witness) as client:
        if case == "same-size":
            # given the witness cosigned size 3; then the log was rewritten at that size and the
            # now useless cosignature deleted, so the log offers its size-3 checkpoint again
            assert await push(db, tid, [config_of(witness)], client) == [WITNESS]
            log = (await log_identity(db, settings, tid, slug)).signer
            forgery.rewrite_log(owner_engine, tid, log, 1)
            _delete_cosignatures(owner_engine, tid)
        else:
            # given the witness cosigned size 6; then that block was deleted, so the log's
            # newest checkpoint is at size 3 again
            await sell(db, tid, range(3, 6))
            await seal(db, settings, tid, slug)
            assert await push(db, tid, [config_of(witness)], client) == [WITNESS]
            _delete_block(owner_engine, tid, 1)
        offered = await latest_checkpoint(db, tid)

        # when the log pushes its newest checkpoint
        assert await push(db, tid, [config_of(witness)], client) == []

    # then the refusal is an alarm of its kind, with the checkpoint offered and the answer
    [alarm] = await _alarms(db, tid)
    assert (alarm.reporter, alarm.kind, alarm.tree_size) == (WITNESS, kind, 3)
    assert says in alarm.detail
    assert alarm.evidence is not None
    assert alarm.evidence["offered"]["checkpoint"] == offered
    assert alarm.evidence["answer"]["status"] == status
    assert alarm.evidence["cosigned"] is None  # the log's record of it is gone


async def _lie(_request: object) -> PlainTextResponse:
    """A witness answering 200 with a cosignature that verifies over nothing."""
    return PlainTextResponse(f"\u2014 {WITNESS} " + "A" * 96 + "\n")


async def _misbehaving(
    case: str, tmp_path: Path, db: Database, settings: Settings, tid: uuid.UUID, slug: str
) -> tuple[
    witnessing.WitnessConfig, httpx.AsyncClient
]:  # fmt: skip
    witness = await start_witness(tmp_path, db, settings, tid, slug)
    if case == "down":
        return config_of(witness, "http://127.0.0.1:9"), httpx.AsyncClient()
    if case == "trusts-another-key":  # 403: not the log's signature, as the witness sees it
        origin = (await log_identity(db, settings, tid, slug)).origin
        other = note.Signer.generate(origin).verifier
        witness = Witness(witness.signer, [other], WitnessState(tmp_path / "other.json"))
    if case == "another-log":  # 404: the witness does not witness this origin
        other = note.Signer.generate("elsewhere.example/log").verifier
        witness = Witness(witness.signer, [other], WitnessState(tmp_path / "other.json"))
    if case == "bad-cosignature":
        app = Starlette(routes=[Route("/add-checkpoint", _lie, methods=["POST"])])
        return config_of(witness), httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return config_of(witness), client_of(witness)


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("down", ("ledger.witness_unreachable", None)),
        ("trusts-another-key", ("ledger.witness_refused", 403)),
        ("another-log", ("ledger.witness_refused", 404)),
        ("bad-cosignature", ("ledger.witness_bad_cosignature", None)),
    ],
)
async def test_a_witness_down_or_misconfigured_raises_no_alarm(
    db: Database, settings: Settings, tmp_path: Path, case: str, logged: tuple[str, int | None]
) -> None:
    # given a sealed log and a witness that cannot or will not cosign for reasons that say
    # nothing about the log
    tid, slug = await _sealed(db, settings, range(2))
    config, client = await _misbehaving(case, tmp_path, db, settings, tid, slug)
    backoff = witnessing.Backoff()

    # when the log pushes its checkpoint
    async with client:
        with capture_logs() as logs:
            assert await push(db, tid, [config], client, backoff) == []

    # then the failure is logged as what it is, the witness is backed off, and no alarm raised
    assert [(e["event"], e.get("status")) for e in logs] == [logged]
    assert not backoff.due(f"{WITNESS} {tid}")
    assert await _alarms(db, tid) == []


async def test_admins_see_the_refusal_with_its_evidence_and_no_one_else(
    make_client: ClientFactory,
    db: Database,
    db_urls: DatabaseUrls,
    settings: Settings,
    owner_engine: Engine,
    tmp_path: Path,
) -> None:
    # given an organisation whose rewritten log its witness refused, an affiliate of it, and
    # another organisation
    admin = await signup_org(make_client())
    affiliate = await signup_affiliate(make_client(), admin.slug)
    other = await signup_org(make_client())
    await make_ledger(db_urls, settings, admin, 3, seal_at=(3,))
    tid = uuid.UUID(admin.tenant_id)

    async def grow() -> None:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await service.post_transaction(
                s,
                tid,
                idempotency_key="after",
                postings=[P("vendor:1:receivable", 5, "USD"), P("affiliate:1:pending", -5, "USD")],
            )
        await seal(db, settings, tid, admin.slug)

    refused = await rewritten_after_cosigning(
        db, owner_engine, settings, tid, admin.slug, tmp_path, grow
    )

    # when each asks for the organisation's ledger alarms
    seen = await admin.client.get("/api/v1/ledger/alarms", headers=admin.headers)
    foreign = await other.client.get("/api/v1/ledger/alarms", headers=other.headers)
    denied = await affiliate.client.get("/api/v1/ledger/alarms", headers=affiliate.headers)

    # then its admin sees the refusal with both checkpoints, the request and the answer
    assert seen.status_code == 200, seen.text
    [alarm] = seen.json()
    assert (alarm["reporter"], alarm["kind"], alarm["tree_size"]) == (WITNESS, "fork", 4)
    evidence = alarm["evidence"]
    assert evidence["offered"]["checkpoint"] == refused.offered
    assert evidence["cosigned"]["tree_size"] == 3
    assert evidence["cosigned"]["cosignature"].startswith(f"\u2014 {WITNESS} ")
    assert evidence["request"].startswith("old 3\n")
    assert evidence["answer"]["status"] == 422
    # and no one else does: another organisation sees none, an affiliate is refused
    assert foreign.json() == []
    assert denied.status_code == 403
