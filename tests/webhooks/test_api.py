"""The webhook endpoints API: who may register what, bad input, server-side request forgery,
and tenant and vendor isolation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.webhooks.addresses import MAX_URL_LENGTH
from bitnexus.webhooks.service import ENDPOINTS_PER_USER
from tests.conftest import ClientFactory
from tests.factories import Program, invite_and_accept, new_program
from tests.waiting import eventually
from tests.webhooks.support import Receiver, deliveries, register

PUBLIC = "https://93.184.215.14/hooks"  # a public address: no DNS needed


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.7:8080/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://localhost:8080/hooks",
        "http://2130706433/hooks",
        "http://100.64.0.1/hooks",
    ],
    ids=[
        "loopback",
        "private-10",
        "private-192",
        "metadata",
        "ipv6-loopback",
        "mapped-loopback",
        "unspecified",
        "multicast",
        "name-to-loopback",
        "decimal-loopback",
        "shared-cgnat",
    ],
)
async def test_a_non_public_address_is_refused(program: Program, url: str) -> None:
    # given the default: private addresses are not allowed
    # when an admin registers an endpoint there
    r = await program.admin.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": url, "event_types": ["product.approved"]},
        headers=program.admin.headers,
    )

    # then it is refused, the URL named as the field at fault
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/url"]


async def test_an_operator_may_allow_private_addresses(
    program: Program, receiver: Receiver, allowing: Settings
) -> None:
    # given the operator allows private addresses; when one is registered; then it is accepted
    made = await register(program.admin, receiver.url, "product.approved")
    assert made["endpoint"]["url"] == receiver.url


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "ftp://example.com/x", "event_types": ["product.approved"]}, "/url"),
        ({"url": "not a url", "event_types": ["product.approved"]}, "/url"),
        ({"url": "https://user:pw@93.184.215.14/", "event_types": ["product.approved"]}, "/url"),
        ({"url": "https://" + "a" * MAX_URL_LENGTH, "event_types": ["product.approved"]}, "/url"),
        ({"url": PUBLIC, "event_types": ["product.exploded"]}, "/event_types/0"),
        ({"url": PUBLIC, "event_types": ["webhook.test"]}, "/event_types/0"),
        ({"url": PUBLIC, "event_types": []}, "/event_types"),
        ({"url": PUBLIC, "event_types": ["product.approved"], "secret": "x"}, "/secret"),
    ],
    ids=[
        "scheme",
        "not-a-url",
        "credentials",
        "too-long",
        "unknown-type",
        "test-type",
        "no-types",
        "unknown-field",
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(
    program: Program, body: dict[str, Any], pointer: str, owner_engine: Engine
) -> None:
    # when an admin registers a bad endpoint
    r = await program.admin.client.post(
        "/api/v1/webhooks/endpoints", json=body, headers=program.admin.headers
    )

    # then a 422 problem names the field, and nothing was written
    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]]
    with owner_engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM webhook_endpoints WHERE tenant_id = :t"),
            {"t": program.admin.tenant_id},
        ).scalar()
    assert count == 0


async def test_a_vendor_may_subscribe_only_to_vendor_events(program: Program) -> None:
    # when a vendor subscribes to a payout event; then it is refused
    r = await program.vendor.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": PUBLIC, "event_types": ["product.approved", "payout.paid"]},
        headers=program.vendor.headers,
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "/event_types/1"
    # and the types a vendor is offered are the vendor's
    r = await program.vendor.client.get(
        "/api/v1/webhooks/event-types", headers=program.vendor.headers
    )
    assert "payout.paid" not in {t["type"] for t in r.json()}
    assert "product.approved" in {t["type"] for t in r.json()}


async def test_an_affiliate_has_no_webhooks(program: Program) -> None:
    r = await program.affiliate.client.get(
        "/api/v1/webhooks/endpoints", headers=program.affiliate.headers
    )
    assert r.status_code == 403, r.text


async def test_the_secret_is_shown_once_and_stored_sealed(
    program: Program, owner_engine: Engine
) -> None:
    # when an admin registers an endpoint
    made = await register(program.admin, PUBLIC, "product.approved", description="CRM")
    secret, endpoint_id = made["secret"], made["endpoint"]["id"]

    # then reading it again never shows the secret, nor does the database hold it in clear
    r = await program.admin.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=program.admin.headers
    )
    assert secret not in r.text
    assert r.json()["description"] == "CRM"
    with owner_engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT secret_sealed FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id}
        ).scalar_one()
    assert secret.encode() not in sealed
    assert secret.removeprefix("whsec_").encode() not in sealed


async def test_another_tenants_endpoints_and_deliveries_are_invisible_and_untouchable(
    program: Program, make_client: ClientFactory
) -> None:
    # given an endpoint with a test delivery in one organisation
    endpoint = (await register(program.admin, PUBLIC, "product.approved"))["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    r = await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    delivery_id = r.json()["id"]
    other = (await new_program(make_client)).admin

    # when the admin of another organisation reaches for them by id
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"enabled": False}),
        ("DELETE", base, None),
        ("POST", f"{base}/test", None),
        ("POST", f"{base}/rotate-secret", {}),
        ("GET", f"{base}/deliveries", None),
        ("GET", f"{base}/deliveries/{delivery_id}", None),
        ("POST", f"{base}/deliveries/{delivery_id}/redeliver", None),
    ]
    answers = [
        (await other.client.request(m, u, json=b, headers=other.headers)).status_code
        for m, u, b in calls
    ]

    # then every call is a 404, their list is empty, and the endpoint is unchanged
    assert answers == [404] * len(calls)
    r = await other.client.get("/api/v1/webhooks/endpoints", headers=other.headers)
    assert r.json() == []
    r = await program.admin.client.get(base, headers=program.admin.headers)
    assert r.json()["enabled"] is True
    assert len(await deliveries(program.admin, endpoint["id"])) == 1


async def test_a_vendor_hears_only_of_their_own_products(
    program: Program, make_client: ClientFactory, allowing: Settings, receiver: Receiver
) -> None:
    # given two vendors of one organisation, each with an endpoint, and an admin's endpoint
    rival = await invite_and_accept(program.admin, make_client(), role="vendor", name="Rival")
    mine = (await register(program.vendor, receiver.url, "product.submitted"))["endpoint"]
    theirs = (await register(rival, receiver.url, "product.submitted"))["endpoint"]
    admins = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]

    # when the first vendor lists a product
    product = await program.listed()

    # then the admin's endpoint and the vendor's own get it, the rival's nothing
    async def admin_heard() -> list[dict[str, Any]]:
        return await deliveries(program.admin, admins["id"])

    await eventually(admin_heard, "the admin's endpoint hears of the product")
    [heard] = await deliveries(program.vendor, mine["id"])
    assert heard["event_type"] == "product.submitted"
    assert await deliveries(rival, theirs["id"]) == []
    # and a vendor cannot see the other's endpoint, while the admin sees all three
    r = await rival.client.get(f"/api/v1/webhooks/endpoints/{mine['id']}", headers=rival.headers)
    assert r.status_code == 404
    r = await program.admin.client.get("/api/v1/webhooks/endpoints", headers=program.admin.headers)
    assert {e["id"] for e in r.json()} == {mine["id"], theirs["id"], admins["id"]}
    assert product["id"]


async def test_an_endpoint_can_be_changed_disabled_and_deleted(program: Program) -> None:
    endpoint = (await register(program.admin, PUBLIC, "product.approved"))["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"

    r = await program.admin.client.patch(
        base,
        json={"event_types": ["payout.paid", "payout.failed"], "enabled": False},
        headers=program.admin.headers,
    )

    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == ["payout.failed", "payout.paid"]
    assert r.json()["enabled"] is False
    # (its log goes with it)
    r = await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    assert r.status_code == 202, r.text
    r = await program.admin.client.delete(base, headers=program.admin.headers)
    assert r.status_code == 204
    r = await program.admin.client.get(base, headers=program.admin.headers)
    assert r.status_code == 404


async def test_an_event_reaches_only_its_own_organisations_endpoints(
    program: Program, make_client: ClientFactory
) -> None:
    # given an admin's endpoint in each of two organisations
    ours = (await register(program.admin, PUBLIC, "product.submitted"))["endpoint"]
    other = (await new_program(make_client)).admin
    theirs = (await register(other, PUBLIC, "product.submitted"))["endpoint"]

    # when a product is listed in the first
    await program.listed()

    # then only the first organisation's endpoint gets it
    async def ours_heard() -> list[dict[str, Any]]:
        return await deliveries(program.admin, ours["id"])

    await eventually(ours_heard, "our endpoint hears of the product")
    assert await deliveries(other, theirs["id"]) == []


async def test_a_user_may_have_a_bounded_number_of_endpoints(program: Program) -> None:
    # given a vendor with as many endpoints as one user may have
    for _ in range(ENDPOINTS_PER_USER):
        await register(program.vendor, PUBLIC, "product.approved")

    # when they register one more
    r = await program.vendor.client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": PUBLIC, "event_types": ["product.approved"]},
        headers=program.vendor.headers,
    )

    # then it is refused, and the admin may still register theirs
    assert r.status_code == 409, r.text
    assert r.json()["title"] == "Too many webhook endpoints"
    await register(program.admin, PUBLIC, "product.approved")
