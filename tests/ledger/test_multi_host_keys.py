"""Two hosts on one database, each with a data directory of its own: an organisation's signing
key must be found on either, since either host's sealer may seal its log. Key files in each
data directory are not shared, so the second host refuses to sign (and says what to share);
a master secret both hosts are given (BITNEXUS_LEDGER_KEY) lets either seal the same log."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.ledger import jobs, keys
from tests.ledger.keys_support import checkpoints, verify_problems
from tests.ledger.support import seal, sell, two_account_tenant


def _hosts(settings: Settings, root: Path, master: str | None) -> tuple[Settings, Settings]:
    """Two hosts' settings: own data and key directories, and `master` if given."""
    return tuple(  # type: ignore[return-value]
        settings.model_copy(
            update={
                "data_dir": root / name,
                "ledger_key_dir": root / name / "ledger-keys",
                "ledger_key": SecretStr(master) if master else None,
            }
        )
        for name in ("a", "b")
    )


async def test_key_files_of_one_host_are_missing_on_another(
    db: Database, settings: Settings, owner_engine: Engine, tmp_path: Path
) -> None:
    # given an organisation whose log host a sealed first, with key files in its data directory
    a, b = _hosts(settings, tmp_path, master=None)
    tid, slug = await two_account_tenant(db, "hosts")
    await sell(db, tid, range(2))
    await seal(db, a, tid, slug)

    # when host b's sealer comes to the log's next transactions
    await sell(db, tid, range(2, 3))

    # then it signs nothing, and says what the hosts must share
    with pytest.raises(keys.KeyUnavailable, match="BITNEXUS_LEDGER_KEY"):
        await jobs.seal_tenant(db, b, tid, slug)
    assert len(checkpoints(owner_engine, tid)) == 1


async def test_hosts_given_one_master_secret_seal_the_same_log(
    db: Database, settings: Settings, owner_engine: Engine, tmp_path: Path
) -> None:
    # given two hosts given the same master secret
    a, b = _hosts(settings, tmp_path, master="master-" + uuid.uuid4().hex)
    tid, slug = await two_account_tenant(db, "hosts")

    # when each seals the log in turn
    await sell(db, tid, range(2))
    await seal(db, a, tid, slug)
    await sell(db, tid, range(2, 4))
    await seal(db, b, tid, slug)

    # then both blocks are signed by the one published key, and the log verifies
    assert len(checkpoints(owner_engine, tid)) == 2
    assert verify_problems(owner_engine, b, slug) == []
    assert not (tmp_path / "a" / "ledger-keys").exists()
    assert not (tmp_path / "b" / "ledger-keys").exists()
