"""Applications, terms, questions and rules of one organisation are invisible and untouchable
from another: guessed ids answer 404, lists are empty."""

from __future__ import annotations

import pytest

from tests.conftest import ClientFactory
from tests.factories import invite_and_accept, signup_org, unique_email
from tests.recruiting.support import applications, apply, make_programme, member_of


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/applications/{id}", None, id="read"),
        pytest.param("POST", "/applications/{id}/approve", None, id="approve"),
        pytest.param("POST", "/applications/{id}/reject", {"reason": "No."}, id="reject"),
        pytest.param("GET", "/members/{user}", None, id="member's application"),
    ],
)
async def test_another_organisation_cannot_reach_applications(
    make_client: ClientFactory, method: str, path: str, body: dict[str, str] | None
) -> None:
    # given organisation B with a pending application, and organisation A's admin
    b = await make_programme(await signup_org(make_client()))
    await apply(make_client(), b, unique_email("b-applicant"))
    [pending] = await applications(b.admin)
    a = await signup_org(make_client())

    # when A's admin uses B's ids
    r = await a.client.request(
        method,
        "/api/v1/recruiting" + path.format(id=pending["id"], user=b.admin.id),
        headers=a.headers,
        json=body,
    )

    # then nothing is found, A sees none of B's recruiting, and B's application still waits
    assert r.status_code == 404, r.text
    assert await applications(a) == []
    for part in ("terms", "questions"):
        got = await a.client.get(f"/api/v1/recruiting/{part}", headers=a.headers)
        assert got.json() == []
    rules = await a.client.get("/api/v1/recruiting/rules", headers=a.headers)
    assert rules.json() == {"auto_approve": "off", "domains": []}
    assert [x["status"] for x in await applications(b.admin)] == ["pending"]


@pytest.mark.parametrize("role", ["vendor", "affiliate"])
async def test_only_admins_reach_the_queue(make_client: ClientFactory, role: str) -> None:
    b = await make_programme(await signup_org(make_client()))
    member = (
        await invite_and_accept(b.admin, make_client(), role="vendor")
        if role == "vendor"
        else await member_of(make_client(), b)
    )

    r = await member.client.get("/api/v1/recruiting/applications", headers=member.headers)

    assert r.status_code == 403
