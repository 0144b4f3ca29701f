"""Each organisation's signing keys and log origin: its own key, secrets kept outside the
database, origins fixed at the first seal and unique per installation, logs signed with the old
shared key still verifying, and rotation that keeps every old receipt verifiable."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import explorer, jobs, keys, leaf, note, receipt, signing, tree
from bitnexus.ledger.verify import verify
from bitnexus.ledger.witness import Witness, WitnessState, load_or_create_key
from bitnexus.ops.backup.layout import carried_key_dir
from tests.conftest import ClientFactory
from tests.ledger.support import log_identity, seal, sell, two_account_tenant

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "verifier" / "bitnexus_verify.py"


async def _published(client: ClientFactory, slug: str) -> list[str]:
    r = await client().get(f"/api/v1/public/tenants/{slug}/ledger/verifier-key")
    assert r.status_code == 200, r.text
    return r.text.splitlines()


async def _receipt(db: Database, tid: uuid.UUID, seq: int) -> str:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        txn = (
            await s.execute(text("SELECT id FROM ledger_transactions WHERE seq = :q"), {"q": seq})
        ).scalar_one()
        return await explorer.receipt(s, txn, None)


async def _rotate(db: Database, settings: Settings, tid: uuid.UUID, slug: str) -> signing.Rotation:
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        return await signing.rotate(s, settings, tid, slug)


def _checkpoints(owner_engine: Engine, tid: uuid.UUID) -> list[str]:
    with owner_engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT checkpoint FROM ledger_blocks WHERE tenant_id = :t ORDER BY height"),
                {"t": tid},
            ).scalars()
        )


def _problems(owner_engine: Engine, settings: Settings, slug: str) -> list[str]:
    with owner_engine.connect() as conn:
        (report,) = verify(conn, settings, slug)
    return report.problems


def _signed_by(checkpoint: str, vkey: str) -> bool:
    try:
        note.verify(checkpoint, note.parse_verifier(vkey))
    except note.NoteError:
        return False
    return True


async def test_each_organisation_signs_with_its_own_key_under_an_origin_of_this_installation(
    db: Database, settings: Settings, make_client: ClientFactory
) -> None:
    # given two organisations of this installation, each sealed once
    (a, a_slug), (b, b_slug) = [await two_account_tenant(db, "own") for _ in range(2)]
    for tid, slug in ((a, a_slug), (b, b_slug)):
        await sell(db, tid, range(2))
        await seal(db, settings, tid, slug)

    # when their identities and published keys are read
    ida, idb = [await log_identity(db, settings, t, s) for t, s in ((a, a_slug), (b, b_slug))]
    async with db.sessionmaker() as s, s.begin():
        installation = await signing.installation_id(s)

    # then their public keys differ, not only their names and key ids
    assert ida.signer.verifier.public_key != idb.signer.verifier.public_key
    # and each origin names this installation, so another installation's log of the same
    # slug has another origin (witnesses keep their state per origin)
    assert len(installation) == 16
    assert int(installation, 16) >= 0
    assert ida.origin == f"{settings.ledger_origin_host}/{installation}/{a_slug}"
    assert idb.origin == f"{settings.ledger_origin_host}/{installation}/{b_slug}"
    elsewhere = keys.origin_for(settings.ledger_origin_host, "0123456789abcdef", a_slug)
    assert ida.origin != elsewhere
    # and each publishes the key it signs with
    assert await _published(make_client, a_slug) == [str(ida.signer.verifier)]
    assert await _published(make_client, b_slug) == [str(idb.signer.verifier)]


async def test_an_organisation_sees_and_writes_only_its_own_signing_keys(
    db: Database, settings: Settings, app_engine: Engine
) -> None:
    # given two sealed organisations
    (a, a_slug), (b, b_slug) = [await two_account_tenant(db, "rls") for _ in range(2)]
    for tid, slug in ((a, a_slug), (b, b_slug)):
        await seal(db, settings, tid, slug)
    b_key = str((await log_identity(db, settings, b, b_slug)).signer.verifier)

    # when the runtime role, in a's transaction, reads every key and writes one for b
    with app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(a)})
        seen = set(conn.execute(text("SELECT tenant_id FROM ledger_signing_keys")).scalars())
        retired = conn.execute(
            text("UPDATE ledger_signing_keys SET retired_at = now() WHERE tenant_id = :b"),
            {"b": b},
        ).rowcount
    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(a)})
        conn.execute(
            text(
                "INSERT INTO ledger_signing_keys (tenant_id, version, kind, verifier_key)"
                " VALUES (:b, 9, 'tenant', :k)"
            ),
            {"b": b, "k": b_key},
        )

    # then it sees only a's keys and changes nothing of b's
    assert seen == {a}
    assert retired == 0
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, b)
        assert [(k.verifier_key, k.retired_at) for k in await signing.published(s)] == [
            (b_key, None)
        ]


@pytest.mark.parametrize("change", ["slug renamed", "origin host changed"])
async def test_a_logs_origin_is_fixed_at_its_first_seal(
    db: Database, settings: Settings, owner_engine: Engine, change: str
) -> None:
    # given a log sealed once
    tid, slug = await two_account_tenant(db, "fixed")
    await sell(db, tid, range(2))
    await seal(db, settings, tid, slug)
    [first] = _checkpoints(owner_engine, tid)

    # when its slug or the configured origin host changes, and it seals again
    if change == "slug renamed":
        renamed = f"{slug}-new"
        with owner_engine.begin() as conn:
            conn.execute(
                text("UPDATE tenants SET slug = :s WHERE id = :t"), {"s": renamed, "t": tid}
            )
        later, now_slug = settings, renamed
    else:
        later = settings.model_copy(update={"ledger_origin_host": "elsewhere.example"})
        now_slug = slug
    await sell(db, tid, range(2, 4))
    await jobs.seal_tenant(db, later, tid, now_slug)

    # then the new checkpoint keeps the log's origin, and the whole log still verifies
    _, second = _checkpoints(owner_engine, tid)
    assert note.parse(second).text.split("\n")[0] == note.parse(first).text.split("\n")[0]
    assert _problems(owner_engine, later, now_slug) == []


async def test_key_files_are_private_and_may_live_outside_the_data_directory(
    db: Database, settings: Settings, owner_engine: Engine, tmp_path: Path
) -> None:
    # given a key directory on a volume of its own, outside the data directory
    vault = tmp_path / "vault" / "ledger"
    elsewhere = settings.model_copy(update={"ledger_key_dir": vault})
    tid, slug = await two_account_tenant(db, "vault")

    # when the organisation's first block is sealed
    await sell(db, tid, range(2))
    await seal(db, elsewhere, tid, slug)

    # then its key is a file there that only its owner may read, in a directory only its owner
    # may enter; the data directory holds none of it, and backups cannot carry it
    key_file = vault / f"{tid}.v1.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.stat().st_mode) == 0o700
    assert not (settings.ledger_key_dir / f"{tid}.v1.key").exists()
    assert carried_key_dir(settings.data_dir, vault) is None
    assert carried_key_dir(settings.data_dir, settings.ledger_key_dir) == Path("ledger-keys")
    # and the database holds only the public key
    public = str((await log_identity(db, elsewhere, tid, slug)).signer.verifier)
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT kind, verifier_key FROM ledger_signing_keys WHERE tenant_id = :t"),
            {"t": tid},
        ).all()
    assert [tuple(row) for row in stored] == [("tenant", public)]

    # when the key file is lost, then nothing is signed with a key nobody published
    key_file.unlink()
    await sell(db, tid, range(2, 3))
    with pytest.raises(keys.KeyUnavailable, match="missing"):
        await jobs.seal_tenant(db, elsewhere, tid, slug)
    assert len(_checkpoints(owner_engine, tid)) == 1


def _hkdf_sha256(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """RFC 5869 with SHA-256, 32 bytes (written here, independently of the server's code)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


async def test_a_master_secret_derives_each_organisations_key_and_writes_no_file(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    # given a master secret in the environment (many nodes share only that)
    master = "master-" + uuid.uuid4().hex
    derived = settings.model_copy(
        update={"ledger_key": SecretStr(master), "ledger_key_dir": tmp_path / "unused"}
    )
    (a, a_slug), (b, b_slug) = [await two_account_tenant(db, "env") for _ in range(2)]

    # when both organisations seal
    for tid, slug in ((a, a_slug), (b, b_slug)):
        await sell(db, tid, range(1))
        await seal(db, derived, tid, slug)

    # then each key is HKDF-SHA256 of the master secret for that organisation and version,
    # no key file is written, and the two organisations' keys differ
    for tid, slug in ((a, a_slug), (b, b_slug)):
        seed = _hkdf_sha256(
            master.encode(),
            b"bitnexus ledger signing key v2",
            f"bitnexus ledger signing key\ntenant {tid}\nversion 1\n".encode(),
        )
        identity = await log_identity(db, derived, tid, slug)
        assert identity.signer.private_key.private_bytes_raw() == seed
    assert not (tmp_path / "unused").exists()
    ida, idb = (
        await log_identity(db, derived, a, a_slug),
        await log_identity(db, derived, b, b_slug),
    )
    assert ida.signer.verifier.public_key != idb.signer.verifier.public_key


async def test_a_log_signed_with_the_old_shared_key_keeps_verifying(
    db: Database, settings: Settings, owner_engine: Engine, make_client: ClientFactory
) -> None:
    # given a log whose first block was signed as before keys were per organisation: the
    # installation-wide key under the origin <host>/bitnexus/<slug>, and a receipt from it
    shared = settings.model_copy(update={"ledger_key": SecretStr("shared-" + uuid.uuid4().hex)})
    tid, slug = await two_account_tenant(db, "legacy")
    old_origin = keys.legacy_origin(settings.ledger_origin_host, slug)
    legacy = keys.legacy_signer(shared, old_origin)
    await sell(db, tid, range(3))
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.integrate(s, tid)
        await tree.seal(s, tid, tree.LogIdentity(old_origin, (legacy,)))
    saved = await _receipt(db, tid, 1)

    # when the sealer takes it on, and later its key is rotated
    await sell(db, tid, range(3, 5))
    await jobs.seal_tenant(db, shared, tid, slug)
    published_before = await _published(make_client, slug)
    await _rotate(db, shared, tid, slug)

    # then it kept its origin and its key (registered as its first, legacy key), the old
    # receipt verifies with what the organisation publishes, and `ledger verify` passes
    assert published_before == [str(legacy.verifier)]
    blocks = _checkpoints(owner_engine, tid)
    assert [note.parse(c).text.split("\n")[0] for c in blocks] == [old_origin] * 3
    assert _signed_by(blocks[1], str(legacy.verifier))
    published = await _published(make_client, slug)
    assert published[1:] == [str(legacy.verifier)]
    receipt.verify(saved, [note.parse_verifier(k) for k in published])
    assert _problems(owner_engine, shared, slug) == []


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
    before = await _receipt(db, tid, 1)
    old = str((await log_identity(db, settings, tid, slug)).signer.verifier)

    # when its key is rotated, and it seals new sales with the new key
    done = await _rotate(db, settings, tid, slug)
    await sell(db, tid, range(3, 5))
    await seal(db, settings, tid, slug)
    after = await _receipt(db, tid, 5)

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
    _, handover, later = _checkpoints(owner_engine, tid)
    assert note.parse_checkpoint(note.parse(handover).text).size == 4
    assert _signed_by(handover, old)
    assert _signed_by(handover, done.new_key)
    assert _signed_by(later, done.new_key)
    assert not _signed_by(later, old)
    # and both keys are published, the current first
    published = await _published(make_client, slug)
    assert published == [done.new_key, old]
    # and `ledger verify` passes, and the receipts from before and after verify
    assert _problems(owner_engine, settings, slug) == []
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
        assert len(_checkpoints(owner_engine, tid)) == 1
    else:
        assert (out.returncode, versions) == (0, [1, 2]), out.stderr
        assert "signing key version 2 is current" in said
        assert len(_checkpoints(owner_engine, tid)) == 2


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
    done = await _rotate(db, settings, tid, slug)
    await sell(db, tid, range(2, 4))
    await seal(db, settings, tid, slug)
    _, handover, later = _checkpoints(owner_engine, tid)
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


async def test_a_log_whose_old_shared_secret_is_gone_answers_503_not_500(
    db: Database, settings: Settings, make_client: ClientFactory
) -> None:
    # given a log signed before keys were per organisation, whose shared secret is not here
    tid, slug = await two_account_tenant(db, "lost")
    assert settings.ledger_key is None
    assert not (settings.data_dir / keys.LEGACY_FILE).exists()
    lost = note.Signer.generate(keys.legacy_origin(settings.ledger_origin_host, slug))
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        await tree.seal(s, tid, tree.LogIdentity(lost.name, (lost,)))

    # when anyone asks for its verifier keys
    r = await make_client().get(f"/api/v1/public/tenants/{slug}/ledger/verifier-key")

    # then the answer says the key is unavailable (the operator's to fix), and names no path
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert str(settings.data_dir) not in r.text


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
    done = await _rotate(db, settings, tid, slug)
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
    problems = _problems(owner_engine, settings, slug)

    # then the block is named, with the key that should have signed it
    key = {"old": done.old_key, "new": done.new_key}[named]
    assert any(f"height={height}: not signed by {key}" in p for p in problems), problems
