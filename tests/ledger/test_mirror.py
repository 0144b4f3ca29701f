"""The mirror (`bitnexus ledger witness --mirror`) against a real server process: it copies and
re-verifies a healthy log, and raises an alarm, recorded by itself and by the log's API, for a
rewritten entry, a fork, a rollback, an invalid entry and a bad signature."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rfc8785
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import merkle, note, service, signing, tree
from bitnexus.ledger.mirror import Mirror, MirrorStore, check_entry
from bitnexus.ledger.models import AccountKind, AlarmKind
from bitnexus.ledger.service import PostingSpec as P
from tests.conftest import free_port
from tests.factories import signup_org, unique_slug
from tests.waiting import wait_until

REPORTER = "mirror.test/m1"


@dataclass
class Log:
    url: str
    slug: str
    tenant_id: uuid.UUID
    admin_headers: dict[str, str]
    api_key: str
    db: Database
    settings: Settings
    sold: int = 0

    identity: tree.LogIdentity | None = None  # the log's origin and key, from its first seal

    @property
    def verifier(self) -> note.Verifier:
        assert self.identity is not None
        return self.identity.signer.verifier

    async def sell(self, n: int) -> None:
        async with self.db.sessionmaker() as s, s.begin():
            await set_tenant(s, self.tenant_id)
            for i in range(self.sold, self.sold + n):
                await service.post_transaction(
                    s,
                    self.tenant_id,
                    idempotency_key=f"sale-{i}",
                    postings=[P("a", 100 + i, "USD"), P("b", -100 - i, "USD")],
                )
        self.sold += n
        async with self.db.sessionmaker() as s, s.begin():
            await set_tenant(s, self.tenant_id)
            await tree.integrate(s, self.tenant_id)
            self.identity = await signing.identity_for(s, self.settings, self.tenant_id, self.slug)
            await tree.seal(s, self.tenant_id, self.identity)

    def mirror(self, tmp: Path, verifier: note.Verifier | None = None) -> Mirror:
        store = MirrorStore(tmp / "mirror.sqlite")
        return Mirror(self.url, self.api_key, [verifier or self.verifier], store, REPORTER)

    def alarms(self) -> list[dict[str, object]]:
        r = httpx.get(f"{self.url}/api/v1/ledger/alarms", headers=self.admin_headers)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def log(server_url: str, db_urls: DatabaseUrls, settings: Settings) -> AsyncIterator[Log]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as c:
        admin = await signup_org(c, organisation_name="Mirrored", slug=unique_slug("mirror"))
        key = await c.post(
            "/api/v1/api-keys", json={"name": "m1", "scope": "ledger:read"}, headers=admin.headers
        )
    db = Database(db_urls.app, pool_size=2)
    result = Log(
        server_url,
        admin.slug,
        uuid.UUID(admin.tenant_id),
        admin.headers,
        key.json()["secret"],
        db,
        settings,
    )
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, result.tenant_id)
        await service.open_account(
            s, result.tenant_id, code="a", kind=AccountKind.asset, currency="USD"
        )
        await service.open_account(
            s, result.tenant_id, code="b", kind=AccountKind.revenue, currency="USD"
        )
    await result.sell(5)
    yield result
    await db.dispose()


def _leaf(owner_engine: Engine, log: Log, seq: int) -> bytes:
    with owner_engine.connect() as conn:
        return bytes(
            conn.execute(
                text("SELECT leaf FROM ledger_transactions WHERE tenant_id = :t AND seq = :s"),
                {"t": log.tenant_id, "s": seq},
            ).scalar_one()
        )


def _set_leaf(owner_engine: Engine, log: Log, seq: int, leaf: bytes) -> None:
    """Rewrite a stored leaf as the owner (who alone passes the append-only triggers)."""
    with owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_transactions SET leaf = :l WHERE tenant_id = :t AND seq = :s"),
            {"l": leaf, "t": log.tenant_id, "s": seq},
        )


async def test_a_healthy_log_is_copied_followed_and_rechecked(log: Log, tmp_path: Path) -> None:
    mirror = log.mirror(tmp_path)
    first = mirror.run_once()
    await log.sell(3)
    second = mirror.run_once()
    third = mirror.run_once(recheck=True)

    assert (first.ok, first.size, first.new_entries) == (True, 5, 5)
    assert (second.ok, second.size, second.new_entries) == (True, 8, 3)
    assert (third.ok, third.new_entries, third.rechecked) == (True, 0, 8)
    origin, size, root = mirror.store.head()
    tree8 = merkle.MemoryTree()
    for _i, leaf in mirror.store.entries(0, size):
        tree8.append(leaf)
    assert (origin, size) == (log.verifier.name, 8)
    assert tree8.root() == root
    assert log.alarms() == []
    assert mirror.store.alarms() == []


async def test_a_mirror_follows_a_key_rotation_with_the_published_keys(
    log: Log, tmp_path: Path
) -> None:
    # given mirrors of a log, one given only its first key
    old = log.verifier
    pinned_old = log.mirror(tmp_path / "old")
    assert pinned_old.run_once().ok

    # when the log's key is rotated (the change is an entry without postings) and it goes on
    async with log.db.sessionmaker() as s, s.begin():
        await set_tenant(s, log.tenant_id)
        await signing.rotate(s, log.settings, log.tenant_id, log.slug)
    await log.sell(2)
    new = log.verifier
    both = Mirror(log.url, log.api_key, [new, old], MirrorStore(tmp_path / "b.sqlite"), REPORTER)

    # then a mirror given every published key copies and verifies it all, the key change
    # included; one that knows only the retired key cannot verify the new checkpoints
    followed = both.run_once()
    assert (followed.ok, followed.size) == (True, 8)
    stale = pinned_old.run_once()
    assert stale.alarm is not None
    assert stale.alarm.kind is AlarmKind.bad_signature


async def test_a_rewritten_entry_is_named_by_a_recheck(
    log: Log, tmp_path: Path, owner_engine: Engine
) -> None:
    mirror = log.mirror(tmp_path)
    assert mirror.run_once().ok
    original = _leaf(owner_engine, log, 2)
    _set_leaf(owner_engine, log, 2, original.replace(b'"amount":102', b'"amount":902'))

    # the signed roots still match the mirror's own copies; only comparing entries finds it
    quick = mirror.run_once()
    full = mirror.run_once(recheck=True)

    assert quick.ok
    assert full.alarm is not None
    assert (full.alarm.kind, full.alarm.entry_index) == (AlarmKind.rewrite, 2)
    (reported,) = log.alarms()
    assert reported["kind"] == "rewrite"
    assert reported["entry_index"] == 2
    assert reported["reporter"] == REPORTER
    assert "entry 2 changed" in str(reported["detail"])
    assert [a["kind"] for a in mirror.store.alarms()] == ["rewrite"]


async def test_a_fork_is_alarmed(log: Log, tmp_path: Path, owner_engine: Engine) -> None:
    """The log signs a checkpoint whose root its entries do not produce."""
    mirror = log.mirror(tmp_path)
    assert mirror.run_once().ok
    await log.sell(2)
    identity = log.identity
    assert identity is not None
    forged = note.sign(note.Checkpoint(identity.origin, 7, b"\x07" * 32).body(), identity.signer)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_blocks (tenant_id, height, prev_hash, tree_size, root_hash,"
                " checkpoint, block_hash, created_at) VALUES (:t, 2, :z, 7, :r, :c, :z, now())"
            ),
            {"t": log.tenant_id, "z": b"\x00" * 32, "r": b"\x07" * 32, "c": forged},
        )

    result = mirror.run_once()

    assert result.alarm is not None
    assert result.alarm.kind is AlarmKind.fork
    assert "signed root at size 7" in result.alarm.detail
    assert mirror.store.head()[1] == 5  # the head does not move past a bad checkpoint
    assert [a["kind"] for a in log.alarms()] == ["fork"]


async def test_a_rollback_is_alarmed(log: Log, tmp_path: Path, owner_engine: Engine) -> None:
    mirror = log.mirror(tmp_path)
    await log.sell(3)
    assert mirror.run_once().size == 8
    with owner_engine.begin() as conn:
        conn.execute(
            text("DELETE FROM ledger_blocks WHERE tenant_id = :t AND tree_size = 8"),
            {"t": log.tenant_id},
        )

    result = mirror.run_once()

    assert result.alarm is not None
    assert result.alarm.kind is AlarmKind.rollback
    assert "signed size 5 is smaller than the mirrored 8" in result.alarm.detail


async def test_an_invalid_entry_is_alarmed_before_it_is_copied(
    log: Log, tmp_path: Path, owner_engine: Engine
) -> None:
    leaf = json.loads(_leaf(owner_engine, log, 3))
    leaf["postings"][0]["amount"] += 1
    _set_leaf(owner_engine, log, 3, rfc8785.dumps(leaf))
    mirror = log.mirror(tmp_path)

    result = mirror.run_once()

    assert result.alarm is not None
    assert (result.alarm.kind, result.alarm.entry_index) == (AlarmKind.bad_entry, 3)
    assert "does not balance" in result.alarm.detail
    assert mirror.store.head()[1] == 0


async def test_a_checkpoint_not_signed_by_the_pinned_key_is_alarmed(
    log: Log, tmp_path: Path
) -> None:
    impostor = note.Signer.generate(log.verifier.name, note.ED25519)
    mirror = log.mirror(tmp_path, impostor.verifier)

    result = mirror.run_once()

    assert result.alarm is not None
    assert result.alarm.kind is AlarmKind.bad_signature


async def test_one_shot_cli_exits_non_zero_on_an_alarm(
    log: Log, tmp_path: Path, owner_engine: Engine, settings: Settings
) -> None:
    cmd = [
        str(Path(sys.executable).with_name("bitnexus")),
        "ledger",
        "witness",
        "--data-dir",
        str(tmp_path / "w"),
        "--name",
        REPORTER,
        "--log",
        str(log.verifier),
        "--mirror",
        log.url,
        "--once",
        "--recheck",
    ]
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
        "BITNEXUS_MIRROR_KEY": log.api_key,
    }

    def run(extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd, env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=120
        )

    good = run()
    _set_leaf(owner_engine, log, 0, _leaf(owner_engine, log, 0).replace(b"100", b"101"))
    bad = run()
    no_key = run({"BITNEXUS_MIRROR_KEY": ""})

    assert good.returncode == 0, good.stderr
    assert "mirror ok: 5 entries verified (5 new, 0 rechecked)" in good.stderr + good.stdout
    assert bad.returncode == 1, bad.stderr
    assert "ALARM rewrite: entry 0 changed" in bad.stderr + bad.stdout
    assert no_key.returncode == 2
    assert "BITNEXUS_MIRROR_KEY" in no_key.stderr + no_key.stdout


def test_entry_checks() -> None:
    tenant = str(uuid.uuid4())

    def leaf(**changes: object) -> bytes:
        body: dict[str, object] = {
            "v": 1,
            "tenant": tenant,
            "seq": 4,
            "postings": [
                {"account": "a", "amount": 5, "currency": "USD"},
                {"account": "b", "amount": -5, "currency": "USD"},
            ],
            **changes,
        }
        return rfc8785.dumps(body)

    assert check_entry(4, leaf(), tenant) is None
    assert check_entry(4, b"\xff", tenant) == "is not JSON"
    assert check_entry(4, b'{"v": 1}', tenant) == "is not canonical (RFC 8785) JSON"
    assert "claims seq 4" in str(check_entry(5, leaf(), tenant))
    assert "belongs to tenant" in str(check_entry(4, leaf(), str(uuid.uuid4())))
    one = [{"account": "a", "amount": 0, "currency": "USD"}]
    assert "two or more" in str(check_entry(4, leaf(postings=one), tenant))
    floats = [
        {"account": "a", "amount": 0.5, "currency": "USD"},
        {"account": "b", "amount": -0.5, "currency": "USD"},
    ]
    assert "integer amount" in str(check_entry(4, leaf(postings=floats), tenant))
    mixed = [
        {"account": "a", "amount": 5, "currency": "USD"},
        {"account": "b", "amount": -5, "currency": "EUR"},
    ]
    assert "does not balance" in str(check_entry(4, leaf(postings=mixed), tenant))
    assert "unknown version" in str(check_entry(4, leaf(v=2), tenant))


async def test_a_serving_mirror_follows_the_log_and_shows_its_status(
    log: Log, tmp_path: Path, settings: Settings
) -> None:
    port = free_port()
    proc = _serve_mirror(log, tmp_path, settings, port)
    try:
        first = _wait_for_size(port, 5)
        await log.sell(2)
        second = _wait_for_size(port, 7)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first["origin"] == log.verifier.name
    assert second["alarms"] == []


def _wait_for_size(port: int, size: int) -> dict[str, object]:
    def status_at_size() -> dict[str, object] | None:
        try:
            status: dict[str, object] = httpx.get(
                f"http://127.0.0.1:{port}/mirror", timeout=2
            ).json()
        except httpx.HTTPError:
            return None  # not serving yet
        return status if status["size"] == size else None

    return wait_until(status_at_size, f"the mirror reached size {size}", within=60)


def _serve_mirror(
    log: Log, tmp_path: Path, settings: Settings, port: int
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("bitnexus")),
            "ledger",
            "witness",
            "--data-dir",
            str(tmp_path / "w"),
            "--name",
            REPORTER,
            "--log",
            str(log.verifier),
            "--mirror",
            log.url,
            "--interval",
            "0.3",
            "--port",
            str(port),
        ],
        env={
            **os.environ,
            "BITNEXUS_DATA_DIR": str(settings.data_dir),
            "BITNEXUS_SECRET_KEY": settings.secret,
            "BITNEXUS_MIRROR_KEY": log.api_key,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("tampering", "kind", "index"),
    [
        # delete a mirrored row (its postings first): later entries shift down one place
        (
            [
                "DELETE FROM ledger_postings WHERE tenant_id = :t AND transaction_id ="
                " (SELECT id FROM ledger_transactions WHERE tenant_id = :t AND seq = 3)",
                "DELETE FROM ledger_transactions WHERE tenant_id = :t AND seq = 3",
            ],
            AlarmKind.rewrite,
            3,
        ),
        # reorder two mirrored rows by swapping their sequence numbers
        (
            [
                "UPDATE ledger_transactions SET seq = 1000000 WHERE tenant_id = :t AND seq = 1",
                "UPDATE ledger_transactions SET seq = 1 WHERE tenant_id = :t AND seq = 2",
                "UPDATE ledger_transactions SET seq = 2 WHERE tenant_id = :t AND seq = 1000000",
            ],
            AlarmKind.rewrite,
            1,
        ),
    ],
    ids=["delete", "reorder"],
)
async def test_deleted_and_reordered_rows_are_named(
    log: Log,
    tmp_path: Path,
    owner_engine: Engine,
    tampering: list[str],
    kind: AlarmKind,
    index: int,
) -> None:
    mirror = log.mirror(tmp_path)
    assert mirror.run_once().ok
    with owner_engine.begin() as conn:
        for sql in tampering:
            conn.execute(text(sql), {"t": log.tenant_id})

    result = mirror.run_once(recheck=True)

    assert result.alarm is not None
    assert (result.alarm.kind, result.alarm.entry_index) == (kind, index)


async def test_a_mirror_follows_the_public_tiles(
    log: Log, tmp_path: Path, owner_engine: Engine
) -> None:
    # given a mirror that reads the public checkpoint and entry bundles, not the mirror API
    prefix = f"{log.url}/api/v1/public/tenants/{log.slug}/ledger/log/"
    store = MirrorStore(tmp_path / "mirror.sqlite")
    mirror = Mirror(log.url, log.api_key, [log.verifier], store, REPORTER, tiles_prefix=prefix)

    # when it copies the log, which then grows past a full entry bundle
    first = mirror.run_once()
    await log.sell(300)
    second = mirror.run_once()

    # then it holds and has verified every entry, bundle by bundle
    assert (first.ok, first.size, first.new_entries) == (True, 5, 5)
    assert (second.ok, second.size, second.new_entries) == (True, 305, 300)
    assert [leaf for _i, leaf in store.entries(0, 305)][:3] == [
        _leaf(owner_engine, log, i) for i in range(3)
    ]

    # and an entry rewritten since is named by a recheck through the bundles
    _set_leaf(owner_engine, log, 260, _leaf(owner_engine, log, 260).replace(b'"USD"', b'"EUR"'))
    recheck = mirror.run_once(recheck=True)
    assert recheck.alarm is not None
    assert (recheck.alarm.kind, recheck.alarm.entry_index) == (AlarmKind.rewrite, 260)
    assert [a["kind"] for a in log.alarms()] == ["rewrite"]
