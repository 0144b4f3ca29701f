"""The getting-started checklist: each step is ticked by what the organisation has, only for
its admins, and only for its own organisation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.commissions.support import api_key, settings
from tests.conftest import ClientFactory
from tests.factories import Account, bearer, invite_and_accept, product, signup_org


async def checklist(admin: Account) -> dict[str, Any]:
    r = await admin.client.get("/api/v1/tenant/onboarding", headers=admin.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def done(listed: dict[str, Any]) -> set[str]:
    return {step["key"] for step in listed["steps"] if step["done"]}


@pytest.mark.parametrize("mode", ["test", "live"])  # a test sale is answered, not stored
async def test_each_step_is_ticked_by_what_the_organisation_does(
    make_client: ClientFactory, mode: str
) -> None:
    # given a new organisation: nothing is done, and the join page is offered to share
    admin = await signup_org(make_client())
    fresh = await checklist(admin)
    assert done(fresh) == set()
    assert fresh["done"] == 0
    assert [s["key"] for s in fresh["steps"]] == [
        "branding",
        "policy",
        "product",
        "recruit",
        "api_key",
        "test_sale",
    ]
    assert fresh["join_url"].endswith(f"/join/{admin.slug}")

    # when the admin brands it and saves a commission policy
    assert (await settings(admin, brand_color="#0f766e")).status_code == 200
    assert (await settings(admin, platform_fee_bps=500, override_bps=[])).status_code == 200
    # and a vendor joins, lists a product, makes a key and reports a test sale
    vendor = await invite_and_accept(admin, make_client())
    listed = await vendor.client.post(
        "/api/v1/products",
        json=product(),
        headers=vendor.headers,
    )
    assert listed.status_code == 201, listed.text
    key = await api_key(vendor, mode=mode)
    sale = await vendor.client.post(
        "/api/v1/conversions",
        json={"order_id": "T-1", "amount_minor": 4900, "currency": "USD"},
        headers=bearer(key),
    )
    assert sale.is_success, sale.text  # recorded (unattributed: no click led to it)

    # then every step is done (inviting the vendor recruited nobody to sell, but it invited)
    final = await checklist(admin)
    assert done(final) == {"branding", "policy", "product", "recruit", "api_key", "test_sale"}
    assert final["done"] == 6


async def test_a_settings_save_without_the_policy_leaves_the_policy_step_open(
    make_client: ClientFactory,
) -> None:
    admin = await signup_org(make_client())

    assert (await settings(admin, display_name="Renamed")).status_code == 200

    assert "policy" not in done(await checklist(admin))


async def test_only_the_admins_see_it_and_put_it_away_for_their_organisation(
    make_client: ClientFactory, client: httpx.AsyncClient
) -> None:
    # given two organisations
    admin, other = await signup_org(make_client()), await signup_org(make_client())
    vendor = await invite_and_accept(admin, make_client())

    # then neither a vendor nor a visitor reads the checklist
    r = await vendor.client.get("/api/v1/tenant/onboarding", headers=vendor.headers)
    assert r.status_code == 403
    assert (await client.get("/api/v1/tenant/onboarding")).status_code == 401
    r = await vendor.client.post("/api/v1/tenant/onboarding/dismiss", headers=vendor.headers)
    assert r.status_code == 403

    # when one admin puts it away, it is away for that organisation only
    r = await admin.client.post("/api/v1/tenant/onboarding/dismiss", headers=admin.headers)
    assert r.status_code == 204
    assert (await checklist(admin))["dismissed"] is True
    assert (await checklist(other))["dismissed"] is False
    # and the first organisation's steps never show in the second's
    assert done(await checklist(other)) == set()
