"""The ledger's database tests talk to PostgreSQL through one pool per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls


@pytest.fixture(scope="module")
async def db(db_urls: DatabaseUrls) -> AsyncIterator[Database]:
    database = Database(db_urls.app, pool_size=5)
    yield database
    await database.dispose()
