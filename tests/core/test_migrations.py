"""The migrations and the models describe the same schema; migrating twice is a no-op."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.models import Base


def test_models_match_migrations(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_is_idempotent_and_at_head(settings: Settings, db_urls: DatabaseUrls) -> None:
    again = provision.migrate(settings)
    assert again.app == db_urls.app
    assert provision.pending_migrations(again) is False
