"""One organisation's groups and moves are invisible and untouchable from another: guessed ids
answer 404, lists are empty, and its affiliates cannot be moved."""

from __future__ import annotations

import pytest

from tests.conftest import ClientFactory
from tests.factories import new_program
from tests.groups.support import groups, make_group, move, terms


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/{id}", id="read"),
        pytest.param("PUT", "/{id}", id="change"),
        pytest.param("DELETE", "/{id}", id="remove"),
    ],
)
async def test_another_organisation_cannot_reach_groups(
    make_client: ClientFactory, method: str, path: str
) -> None:
    # given organisation B's group with a member, and organisation A
    b = await new_program(make_client)
    vip = await make_group(b.admin)
    assert (await move(b.admin, b.affiliate, vip)).status_code == 201
    a = await new_program(make_client)

    # when A's admin uses B's group id
    r = await a.admin.client.request(
        method,
        "/api/v1/groups" + path.format(id=vip["id"]),
        headers=a.admin.headers,
        json=terms(name="Taken over", commission_bps=10_000),
    )

    # then nothing is found, A sees none of B's groups or moves, and B's group is as it was
    assert r.status_code == 404, r.text
    assert await groups(a.admin) == []
    moves = await a.admin.client.get("/api/v1/groups/moves", headers=a.admin.headers)
    assert moves.json() == []
    [kept] = await groups(b.admin)
    assert (kept["name"], kept["commission_bps"], kept["members"]) == ("VIP partners", 3_000, 1)


async def test_another_organisations_affiliates_and_groups_cannot_be_moved(
    make_client: ClientFactory,
) -> None:
    b = await new_program(make_client)
    b_vip = await make_group(b.admin)
    a = await new_program(make_client)
    a_vip = await make_group(a.admin)

    # B's affiliate into A's group, and A's affiliate into B's group
    assert (await move(a.admin, b.affiliate, a_vip)).status_code == 404
    assert (await move(a.admin, a.affiliate, b_vip)).status_code == 404

    assert [g["members"] for g in await groups(a.admin)] == [0]
    assert [g["members"] for g in await groups(b.admin)] == [0]
