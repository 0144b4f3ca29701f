"""Groups as their admins keep them: terms checked whole, names their own, removal only when
empty; moves checked; payout thresholds and the directory follow the group."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, earn, set_payout_method
from tests.groups.support import groups, make_group, move, terms


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(terms(commission_fixed_minor=500), {"commission_fixed_minor"}, id="two rules"),
        pytest.param(terms(commission_bps=10_001), {"commission_bps"}, id="over 100%"),
        pytest.param(
            terms(commission_fixed_minor=-1, commission_bps=None),
            {"commission_fixed_minor"},
            id="negative",
        ),
        pytest.param(terms(product_ids=[str(uuid.uuid4())]), {"product_ids"}, id="unknown product"),
        pytest.param(
            terms(product_ids=[str(uuid.uuid4())], commission_fixed_minor=1),
            {"product_ids", "commission_fixed_minor"},
            id="every fault at once",
        ),
        pytest.param(terms(name=""), {"name"}, id="no name"),
        pytest.param(terms(name="x" * 81), {"name"}, id="long name"),
        pytest.param(terms(payout_threshold_minor=-5), {"payout_threshold_minor"}, id="threshold"),
        pytest.param(terms(colour="gold"), {"colour"}, id="unknown field"),
    ],
)
async def test_bad_terms_name_every_field_at_fault_and_write_nothing(
    program: Program, body: dict[str, Any], fields: set[str]
) -> None:
    r = await program.admin.client.post("/api/v1/groups", json=body, headers=program.admin.headers)

    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {e["field"].split(".")[-1] for e in r.json()["errors"]} >= fields
    assert await groups(program.admin) == []


async def test_names_are_the_groups_own_and_removal_waits_for_an_empty_group(
    program: Program, make_client: ClientFactory
) -> None:
    # given "VIP partners" with a member
    shop = await open_shop(program, make_client)
    vip = await make_group(program.admin, product_ids=[shop.product["id"]])
    assert vip["products"] == [{"id": shop.product["id"], "name": shop.product["title"]}]
    assert (await move(program.admin, shop.affiliate, vip)).status_code == 201
    h, c = program.admin.headers, program.admin.client

    # when another group takes the name in other letters, then it is refused on the name
    r = await c.post("/api/v1/groups", json=terms(name="vip PARTNERS"), headers=h)
    assert r.status_code == 409, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["name"]

    # when the admin removes it while it has a member, then it stays
    assert (await c.delete(f"/api/v1/groups/{vip['id']}", headers=h)).status_code == 409
    [listed] = await groups(program.admin)
    assert listed["members"] == 1

    # when the member leaves, then it can go, its name is free again, and history keeps it
    assert (await move(program.admin, shop.affiliate, None)).status_code == 201
    assert (await c.delete(f"/api/v1/groups/{vip['id']}", headers=h)).status_code == 204
    assert (await c.get(f"/api/v1/groups/{vip['id']}", headers=h)).status_code == 404
    assert await groups(program.admin) == []
    await make_group(program.admin)
    r = await c.get("/api/v1/groups/moves", params={"affiliate_id": shop.affiliate.id}, headers=h)
    assert [m["from_group_name"] for m in r.json()] == ["VIP partners", None]


@pytest.mark.parametrize(
    ("who", "group", "status", "field"),
    [
        pytest.param("nobody", "vip", 404, "affiliate_id", id="unknown affiliate"),
        pytest.param("vendor", "vip", 404, "affiliate_id", id="not an affiliate"),
        pytest.param("affiliate", "unknown", 404, None, id="unknown group"),
        pytest.param("affiliate", "none", 409, "group_id", id="already in none"),
    ],
)
async def test_bad_moves_are_refused(
    program: Program, who: str, group: str, status: int, field: str | None
) -> None:
    vip = await make_group(program.admin)
    affiliate_id = {
        "nobody": str(uuid.uuid4()),
        "vendor": program.vendor.id,
        "affiliate": program.affiliate.id,
    }[who]
    group_id = {"vip": vip["id"], "unknown": str(uuid.uuid4()), "none": None}[group]

    r = await program.admin.client.post(
        "/api/v1/groups/moves",
        json={"affiliate_id": affiliate_id, "group_id": group_id},
        headers=program.admin.headers,
    )

    assert r.status_code == status, r.text
    if field:
        assert [e["field"] for e in r.json()["errors"]] == [field]
    assert (await groups(program.admin))[0]["members"] == 0


@pytest.mark.parametrize("role", ["vendor", "affiliate"])
async def test_groups_are_for_admins(program: Program, role: str) -> None:
    member = program.vendor if role == "vendor" else program.affiliate
    for method, path in [("GET", ""), ("POST", ""), ("GET", "/moves")]:
        r = await member.client.request(
            method, "/api/v1/groups" + path, headers=member.headers, json=terms()
        )
        assert r.status_code == 403, (method, path, r.text)


async def test_a_groups_threshold_decides_its_members_payouts(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given a 50.00 programme threshold, and an affiliate with 16.00 available and a method
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, payout_threshold_minor=5_000)).status_code == 200
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="vip@pay.example")

    async def candidate() -> dict[str, Any]:
        r = await program.admin.client.get(
            "/api/v1/payout-batches/preview", headers=program.admin.headers
        )
        return next(c for c in r.json()["candidates"] if c["affiliate_id"] == shop.affiliate.id)

    before = await candidate()
    assert (before["threshold_minor"], before["skipped"]) == (5_000, "below_threshold")

    # when they join a group paid from 10.00
    vip = await make_group(program.admin, payout_threshold_minor=1_000)
    await move(program.admin, shop.affiliate, vip)

    # then the batch would pay them, and they see their own threshold
    after = await candidate()
    assert (after["threshold_minor"], after["skipped"]) == (1_000, None)
    r = await shop.affiliate.client.get("/api/v1/payouts/settings", headers=shop.affiliate.headers)
    assert r.json()["threshold_minor"] == 1_000


async def test_the_directory_shows_and_filters_by_group(
    program: Program, make_client: ClientFactory
) -> None:
    # given two affiliates, one of them in "VIP partners"
    shop = await open_shop(program, make_client)
    vip = await make_group(program.admin)
    await move(program.admin, shop.affiliate, vip)
    h, c = program.admin.headers, program.admin.client

    # when the admin lists everyone, then each row says their group
    r = await c.get("/api/v1/affiliates", headers=h)
    group_of = {row["id"]: row["group"] for row in r.json()["items"]}
    assert group_of[shop.affiliate.id] == {"id": vip["id"], "name": "VIP partners"}
    assert group_of[shop.upline.id] is None

    # when they filter by the group, then only its members are listed, in the export too
    r = await c.get("/api/v1/affiliates", params={"group_id": vip["id"]}, headers=h)
    assert [row["id"] for row in r.json()["items"]] == [shop.affiliate.id]
    r = await c.get("/api/v1/affiliates/export", params={"group_id": vip["id"]}, headers=h)
    assert r.status_code == 200
    assert "VIP partners" in r.text
    assert shop.upline.user["email"] not in r.text
    r = await c.get("/api/v1/affiliates", params={"group_id": str(uuid.uuid4())}, headers=h)
    assert r.json()["items"] == []
