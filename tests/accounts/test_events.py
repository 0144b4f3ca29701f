"""An invitation is announced to the organisation's admins, without its secret link."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.events import announced
from tests.factories import Program


async def test_an_invitation_is_announced_to_the_admins_without_its_link(
    program: Program, owner_engine: Engine
) -> None:
    # when an admin invites someone
    r = await program.admin.client.post(
        "/api/v1/invitations",
        json={"email": "newcomer@example.com", "role": "vendor"},
        headers=program.admin.headers,
    )
    assert r.status_code == 201, r.text
    token = r.json()["accept_url"].rsplit("/", 1)[1]

    # then the admins hear of it, and nothing in the event can accept it
    tenant = program.admin.user["tenant"]["id"]
    [invited] = [
        e
        for e in announced(owner_engine, tenant, "user.invited")
        if e["data"]["email"] == "newcomer@example.com"
    ]
    assert invited["topics"] == [f"admins:{tenant}"]
    assert invited["data"]["role"] == "vendor"
    assert token not in str(invited)
