"""Alembic environment: migrations run as the owner role (see bitnexus.core.provision)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bitnexus.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(config.attributes["owner_url"])
    with engine.connect() as connection:
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
