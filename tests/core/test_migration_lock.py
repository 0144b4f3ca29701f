"""Hosts that share a database and start at once migrate one at a time: a migration run waits
for the migration lock another holds, and goes on (finding nothing to do) once it is free."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.waiting import wait_until

LOCK = "hashtextextended('bitnexus:migrations', 0)"


def _waiting_for_lock(owner_engine: Engine) -> bool:
    with owner_engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    " WHERE l.locktype = 'advisory' AND NOT l.granted"
                    " AND a.usename = 'bitnexus_owner' AND a.pid <> pg_backend_pid()"
                )
            ).scalar()
        )


def test_a_migration_run_waits_for_the_one_in_progress(
    settings: Settings, db_urls: DatabaseUrls, owner_engine: Engine
) -> None:
    # given another host holding the migration lock
    with owner_engine.connect() as holder:
        holder.execute(text(f"SELECT pg_advisory_lock({LOCK})"))
        holder.commit()
        finished = threading.Event()

        def migrate() -> None:
            provision.migrate(settings)
            finished.set()

        # when this host migrates too
        runner = threading.Thread(target=migrate, daemon=True)
        runner.start()
        try:
            # then it waits for the lock, and does nothing meanwhile
            wait_until(lambda: _waiting_for_lock(owner_engine), "a migration waiting for the lock")
            assert not finished.is_set()
        finally:
            holder.execute(text(f"SELECT pg_advisory_unlock({LOCK})"))
            holder.commit()
    # and once the lock is free it goes on, finding the schema at head
    runner.join(timeout=60)
    assert finished.is_set()
    assert provision.pending_migrations(db_urls) is False
