"""Every process hears every event: a socket on one server process receives what a request
handled by another one wrote."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outbox import admins_topic
from tests.conftest import launch_server
from tests.factories import bearer, unique_email
from tests.realtime.conftest import Org
from tests.realtime.support import authenticated, events, join


@pytest.fixture(scope="module")
def other_server(settings: Settings, db_urls: DatabaseUrls) -> Iterator[str]:
    """A second server process on the same database."""
    proc, url = launch_server(settings)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


async def test_a_socket_on_one_process_hears_a_change_made_through_another(
    socket_server: str, other_server: str, org: Org
) -> None:
    # given an admin following the admins' topic on process A
    admin = org.admin
    assert socket_server != other_server
    async with authenticated(socket_server, admin.token) as ws:
        await join(ws, admins_topic(org.tenant_id))

        # when they invite someone through process B
        email = unique_email("invitee")
        async with httpx.AsyncClient(base_url=other_server, timeout=60) as b:
            r = await b.post(
                "/api/v1/invitations",
                json={"email": email, "role": "vendor"},
                headers=bearer(admin.token),
            )
            assert r.status_code == 201, r.text

        # then the socket on A receives the event
        [event] = await events(ws, 1)
    assert event["type"] == "user.invited"
    assert event["data"]["email"] == email
