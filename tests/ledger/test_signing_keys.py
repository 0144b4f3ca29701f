"""Each organisation's signing keys and log origin: its own key, secrets kept outside the
database, origins fixed at the first seal and unique per installation, logs signed with the old
shared key still verifying, and rotation that keeps every old receipt verifiable."""

from __future__ import annotations

import hashlib
import hmac
import stat
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.ledger import jobs, keys, note, receipt, signing, tree
from bitnexus.ops.backup.layout import carried_key_dir
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
    assert await published_keys_of(make_client, a_slug) == [str(ida.signer.verifier)]
    assert await published_keys_of(make_client, b_slug) == [str(idb.signer.verifier)]


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
    [first] = checkpoints(owner_engine, tid)

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
    _, second = checkpoints(owner_engine, tid)
    assert note.parse(second).text.split("\n")[0] == note.parse(first).text.split("\n")[0]
    assert verify_problems(owner_engine, later, now_slug) == []


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
    assert len(checkpoints(owner_engine, tid)) == 1


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
    saved = await receipt_of(db, tid, 1)

    # when the sealer takes it on, and later its key is rotated
    await sell(db, tid, range(3, 5))
    await jobs.seal_tenant(db, shared, tid, slug)
    published_before = await published_keys_of(make_client, slug)
    await rotate(db, shared, tid, slug)

    # then it kept its origin and its key (registered as its first, legacy key), the old
    # receipt verifies with what the organisation publishes, and `ledger verify` passes
    assert published_before == [str(legacy.verifier)]
    blocks = checkpoints(owner_engine, tid)
    assert [note.parse(c).text.split("\n")[0] for c in blocks] == [old_origin] * 3
    assert signed_by(blocks[1], str(legacy.verifier))
    published = await published_keys_of(make_client, slug)
    assert published[1:] == [str(legacy.verifier)]
    receipt.verify(saved, [note.parse_verifier(k) for k in published])
    assert verify_problems(owner_engine, shared, slug) == []


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
