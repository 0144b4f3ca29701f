"""The log pushes checkpoints to witnesses, keeps their cosignatures and ships them in receipts."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import (
    explorer,
    jobs,
    note,
    receipt,
    repository,
    service,
    witnessing,
)
from bitnexus.ledger.service import PostingSpec as P
from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key
from tests.ledger.support import log_identity, seal, sell, two_account_tenant


async def _sell_and_seal(
    db: Database, settings: Settings, tid: uuid.UUID, slug: str, keys_: range
) -> None:
    await sell(db, tid, keys_, base=10, key="k")
    await seal(db, settings, tid, slug)


async def _witness(
    tmp_path: Path, name: str, db: Database, settings: Settings, tid: uuid.UUID, slug: str
) -> Witness:
    log_key = (await log_identity(db, settings, tid, slug)).signer.verifier
    return Witness(
        load_or_create_key(tmp_path / name.replace("/", "_"), name),
        [log_key],
        WitnessState(tmp_path / f"{name.replace('/', '_')}.json"),
    )


async def _push(
    db: Database,
    tid: uuid.UUID,
    configs: list[witnessing.WitnessConfig],
    client: httpx.AsyncClient,
    backoff: witnessing.Backoff | None = None,
) -> list[str]:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await witnessing.push_latest(
            s, tid, configs, client, backoff or witnessing.Backoff()
        )


async def test_cosignatures_are_collected_and_shipped_in_receipts(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    tid, slug = await two_account_tenant(db, "wit")
    w = await _witness(tmp_path, "witness.example/w1", db, settings, tid, slug)
    config = witnessing.WitnessConfig("http://witness.test", w.signer.verifier)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app()))

    await _sell_and_seal(db, settings, tid, slug, range(3))
    assert await _push(db, tid, [config], client) == ["witness.example/w1"]
    await _sell_and_seal(db, settings, tid, slug, range(3, 7))
    assert await _push(db, tid, [config], client) == [
        "witness.example/w1"
    ]  # from old 3, with a proof
    assert await _push(db, tid, [config], client) == []  # already cosigned

    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        txn_id = (
            await service.post_transaction(
                s, tid, idempotency_key="k0", postings=[P("a", 10, "USD"), P("b", -10, "USD")]
            )
        ).id
        text = await explorer.receipt(s, txn_id, None)  # as a tenant admin
    log_key = (await log_identity(db, settings, tid, slug)).signer.verifier
    got, checkpoint = receipt.verify(text, log_key)
    cosig = next(
        sig for sig in note.parse(got.checkpoint).signatures if sig.name == "witness.example/w1"
    )
    assert note.verify_cosignature(checkpoint.body(), cosig, w.signer.verifier) > 0
    await client.aclose()


async def test_a_witness_that_knows_more_is_caught_up_after_its_409(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    tid, slug = await two_account_tenant(db, "wit")
    w = await _witness(tmp_path, "witness.example/w2", db, settings, tid, slug)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app()))
    config = witnessing.WitnessConfig("http://witness.test", w.signer.verifier)
    await _sell_and_seal(db, settings, tid, slug, range(4))
    # the witness learned size 4 from someone else; we have no record of it
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        block = await repository.latest_block(s)
    assert block is not None
    assert w.add_checkpoint("old 0\n\n" + block.checkpoint).status == 200
    await _sell_and_seal(db, settings, tid, slug, range(4, 9))

    assert await _push(db, tid, [config], client) == ["witness.example/w2"]
    await client.aclose()


def _failures(witness: str) -> float:
    counted = REGISTRY.get_sample_value(
        "bitnexus_ledger_witness_failures_total", {"witness": witness}
    )
    return counted or 0.0


async def test_down_or_lying_witnesses_never_block_and_are_not_trusted(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the back-off's clock stands still: its first delay (1 s) must not run out while a loaded
    # machine gets through the two pushes
    monkeypatch.setattr(witnessing, "time", SimpleNamespace(monotonic=lambda: 1_000.0))
    tid, slug = await two_account_tenant(db, "wit")
    await _sell_and_seal(db, settings, tid, slug, range(2))
    liar_key = note.Signer.generate("liar.example/w", note.COSIGNATURE_V1)

    async def lie(_request: object) -> PlainTextResponse:
        return PlainTextResponse(
            "\u2014 liar.example/w AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        )

    liar = httpx.AsyncClient(
        transport=httpx.ASGITransport(
            app=Starlette(routes=[Route("/add-checkpoint", lie, methods=["POST"])])
        )
    )
    backoff = witnessing.Backoff()
    down_before, liar_before = _failures("down.example/w"), _failures("liar.example/w")
    down = witnessing.WitnessConfig(
        "http://127.0.0.1:9", note.Signer.generate("down.example/w", note.COSIGNATURE_V1).verifier
    )

    assert (
        await _push(
            db,
            tid,
            [witnessing.WitnessConfig("http://liar.test", liar_key.verifier)],
            liar,
            backoff,
        )
        == []
    )
    async with httpx.AsyncClient() as real:
        assert await _push(db, tid, [down], real, backoff) == []
    assert not backoff.due(f"down.example/w {tid}")
    assert not backoff.due(f"liar.example/w {tid}")
    # each failure counted for its witness (`bitnexus_ledger_witness_failures_total`)
    assert _failures("down.example/w") - down_before == 1
    assert _failures("liar.example/w") - liar_before == 1
    # the back-off is per witness and log: the same witness is still asked about other tenants
    assert backoff.due(f"down.example/w {uuid.uuid4()}")
    await liar.aclose()


async def test_witness_round_forgets_fully_cosigned_tenants(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    tid, slug = await two_account_tenant(db, "wit")
    w = await _witness(tmp_path, "witness.example/w3", db, settings, tid, slug)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app()))
    await _sell_and_seal(db, settings, tid, slug, range(2))
    waiting = {tid: slug}
    await jobs.witness_round(
        db,
        waiting,
        [witnessing.WitnessConfig("http://w.test", w.signer.verifier)],
        client,
        witnessing.Backoff(),
    )
    assert waiting == {}
    await client.aclose()


def test_witness_configuration_is_validated() -> None:
    key = note.Signer.generate("w.example/1", note.COSIGNATURE_V1).verifier
    assert witnessing.parse_witnesses([f"https://w.example {key}"])[0].url == "https://w.example"
    with pytest.raises(ValueError, match="cosignature"):
        witnessing.parse_witnesses([f"ftp://w.example {key}"])
    with pytest.raises(ValueError, match="cosignature"):
        witnessing.parse_witnesses([f"https://w.example {note.Signer.generate('log').verifier}"])


async def test_a_restarted_sealer_finds_every_signed_tenant(
    db: Database, settings: Settings
) -> None:
    """On start the sealer queues every tenant with a block, so a witness configured since then
    is asked to cosign current blocks (across tenants, through one SECURITY DEFINER function)."""
    tid, slug = await two_account_tenant(db, "wit")
    unsigned, _ = await two_account_tenant(db, "wit")
    await _sell_and_seal(db, settings, tid, slug, range(1))

    found = await jobs.signed_tenants(db)

    assert found[tid] == slug
    assert unsigned not in found
