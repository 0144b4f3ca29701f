"""Alembic environment: migrations run as the owner role (see bitnexus.core.provision)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from bitnexus.models import Base

config = context.config
target_metadata = Base.metadata

# Hosts that share a database may start at once, each migrating: one migrates at a time, the
# others wait, then find the schema at head and have nothing to do (a session lock, held until
# the connection closes; taken before alembic reads the schema's version). The owner's URL
# must therefore reach PostgreSQL directly, not through a transaction-mode pooler.
MIGRATION_LOCK = "SELECT pg_advisory_lock(hashtextextended('bitnexus:migrations', 0))"


def run_migrations_online() -> None:
    engine = create_engine(config.attributes["owner_url"])
    with engine.connect() as connection:
        connection.execute(text(MIGRATION_LOCK))
        connection.commit()  # the lock outlives this transaction; each migration has its own
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations(app_role=config.attributes.get("app_role", "bitnexus_app"))
    engine.dispose()


run_migrations_online()
