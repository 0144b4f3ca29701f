"""Sockets against real server processes (`bitnexus serve`), with short intervals so a test
sees a check or a limit act within a second or two."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outbox import NewEvent, emit
from tests.conftest import launch_server
from tests.factories import Account, invite_and_accept, signup_affiliate, signup_org

# what every test server here runs with (tests/realtime/support.py reads the limits)
LIMITS = {
    "BITNEXUS_SOCKET_REVALIDATE_SECONDS": "1",
    "BITNEXUS_SOCKET_MAX_TOPICS": "3",
    "BITNEXUS_SOCKET_MAX_PER_USER": "3",
    "BITNEXUS_SOCKET_MAX_PER_TENANT": "5",
    "BITNEXUS_SOCKET_QUEUE": "200",
}


@pytest.fixture(scope="session")
def socket_server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    """A server process whose sockets are checked every second."""
    proc, url = launch_server(settings, **LIMITS)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
async def http(socket_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=socket_server, timeout=60) as client:
        yield client


@dataclass
class Org:
    admin: Account
    vendor: Account
    affiliate: Account

    @property
    def tenant_id(self) -> uuid.UUID:
        return uuid.UUID(self.admin.tenant_id)


@pytest.fixture
async def org(http: httpx.AsyncClient) -> Org:
    admin = await signup_org(http)
    vendor = await invite_and_accept(admin, http, role="vendor")
    affiliate = await signup_affiliate(http, admin.slug, admin=admin)
    return Org(admin, vendor, affiliate)


async def write_events(db: Database, tenant: uuid.UUID, *events: NewEvent) -> None:
    """Commit `events` in one transaction, as a service would with its change."""
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant)
        await emit(session, *events)
