"""Subscriptions and leads through the API: a first sale starts a subscription, its renewals
earn for its affiliate while the recurring rule allows, each renewal refunds on its own; leads
earn the fixed lead reward and are voided whole. Every movement stays a balanced ledger
transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from bitnexus.accounts.service import users
from bitnexus.commissions import jobs
from bitnexus.commissions.schemas import ConversionCreate
from bitnexus.commissions.service import conversions
from bitnexus.commissions.service.attribution import NotYet
from bitnexus.commissions.service.conversions import Reporter
from bitnexus.commissions.service.recurring import add_months
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.tenants import service as tenants
from tests.commissions.support import Shop, api_key, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program, bearer, new_program
from tests.ledger.keys_support import verify_problems


async def _renew(shop: Shop, order: str, sub: str = "SUB-1", **body: Any) -> httpx.Response:
    return await shop.report(order_id=order, subscription_id=sub, **body)


async def _lead(shop: Shop, **body: Any) -> httpx.Response:
    return await shop.program.vendor.client.post(
        "/api/v1/leads", json={"lead_id": "L-1", **body}, headers=bearer(shop.key)
    )


async def test_renewals_earn_for_the_first_sales_affiliate_until_the_count_is_reached(
    program: Program, make_client: ClientFactory, owner_engine: Engine, settings: Settings
) -> None:
    # given: renewals earn for 2 renewals, and a first sale through a click
    shop = await open_shop(program, make_client)
    r = await settings_of(program, recurring="renewals", recurring_limit=2)
    assert r.status_code == 200, r.text
    click = await shop.click(make_client())
    first = await _renew(shop, "A-1", click_id=click)
    assert first.status_code == 201, first.text
    assert (first.json()["renewal"], first.json()["subscription_id"]) == (0, "SUB-1")

    # when: three renewals are reported later, with no click
    renewals = [await _renew(shop, f"A-{n}") for n in (2, 3, 4)]

    # then: the first two earn the product's commission for the same affiliate, the third not
    bodies = [r.json() for r in renewals]
    assert [r.status_code for r in renewals] == [201, 201, 201]
    assert [(b["renewal"], b["renewal_limit"]) for b in bodies] == [(1, 2), (2, 2), (3, 2)]
    assert [b["attribution"] for b in bodies] == ["renewal", "renewal", "none"]
    assert [b["affiliate_id"] for b in bodies] == [shop.affiliate.id, shop.affiliate.id, None]
    assert [b["pool_minor"] for b in bodies] == [2_000, 2_000, 0]
    assert bodies[2]["unattributed_reason"] == "recurring_ended"
    assert (await shop.balances(shop.affiliate))["pending"] == 3 * 1_600

    # and: the affiliate's commissions say which renewal each is
    r = await shop.affiliate.client.get("/api/v1/commissions", headers=shop.affiliate.headers)
    labels = sorted((c["sale_kind"], c["renewal"], c["renewal_limit"]) for c in r.json()["items"])
    assert labels == [("sale", 0, 2), ("sale", 1, 2), ("sale", 2, 2)]

    # and: the vendor sees the subscription with its sales
    r = await program.vendor.client.get(
        "/api/v1/conversions/subscriptions/SUB-1", headers=program.vendor.headers
    )
    assert r.status_code == 200, r.text
    sub = r.json()
    assert (sub["renewals"], sub["renewals_earned"], sub["affiliate_id"]) == (
        3,
        2,
        shop.affiliate.id,
    )
    assert [s["order_id"] for s in sub["sales"]] == ["A-1", "A-2", "A-3", "A-4"]

    # when: a renewal is reported again (same content), or with other content
    again = await _renew(shop, "A-3")
    other = await _renew(shop, "A-3", amount_minor=5)

    # then: the original comes back, the other content is refused, nothing is counted twice
    assert (again.status_code, again.json()["id"]) == (200, bodies[1]["id"])
    assert other.status_code == 409, other.text

    # when: the second renewal is refunded in full
    r = await shop.refund(bodies[1]["id"], amount_minor=10_000)
    assert r.status_code == 201, r.text

    # then: only its commission goes back
    assert (await shop.balances(shop.affiliate))["pending"] == 2 * 1_600
    r = await program.vendor.client.get(
        "/api/v1/conversions/subscriptions/SUB-1", headers=program.vendor.headers
    )
    assert [s["state"] for s in r.json()["sales"]] == [
        "pending",
        "pending",
        "refunded",
        "unattributed",
    ]
    assert verify_problems(owner_engine, settings, program.admin.slug) == []


async def settings_of(program: Program, **changes: Any) -> httpx.Response:
    return await settings(program.admin, **changes)


async def test_renewals_earn_nothing_when_recurring_commissions_are_off(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)
    first = await _renew(shop, "A-1", click_id=await shop.click(make_client()))
    assert first.json()["attribution"] == "click"

    renewal = await _renew(shop, "A-2")

    assert renewal.status_code == 201, renewal.text
    body = renewal.json()
    assert (body["renewal"], body["attribution"], body["unattributed_reason"]) == (
        1,
        "none",
        "recurring_off",
    )
    assert body["shares"] == []


async def test_renewals_in_one_batch_are_numbered_one_after_another(
    program: Program, make_client: ClientFactory
) -> None:
    # given: renewals earn forever
    shop = await open_shop(program, make_client)
    await settings_of(program, recurring="forever")
    await _renew(shop, "A-1", click_id=await shop.click(make_client()))

    # when: renewals arrive at once
    answers = await asyncio.gather(*(_renew(shop, f"R-{n}") for n in range(4)))

    # then: each has its own number
    assert sorted(a.json()["renewal"] for a in answers) == [1, 2, 3, 4]
    assert {a.json()["attribution"] for a in answers} == {"renewal"}


async def test_another_organisations_subscription_cannot_be_renewed_into(
    program: Program, make_client: ClientFactory
) -> None:
    # given: a subscription in one organisation
    shop = await open_shop(program, make_client)
    await settings_of(program, recurring="forever")
    await _renew(shop, "A-1", click_id=await shop.click(make_client()))

    # when: another organisation's vendor reports a sale with the same subscription id
    other = await new_program(make_client)
    key = await api_key(other.vendor)
    r = await other.vendor.client.post(
        "/api/v1/conversions",
        json={
            "order_id": "A-2",
            "amount_minor": 10_000,
            "currency": "USD",
            "subscription_id": "SUB-1",
        },
        headers=bearer(key),
    )

    # then: it is that organisation's first sale of its own subscription, credited to no one
    assert r.status_code == 201, r.text
    assert (r.json()["renewal"], r.json()["affiliate_id"]) == (0, None)
    seen = await other.vendor.client.get(
        "/api/v1/conversions/subscriptions/SUB-1", headers=other.vendor.headers
    )
    assert [s["order_id"] for s in seen.json()["sales"]] == ["A-2"]


async def test_a_lead_earns_the_fixed_reward_and_is_voided_whole(
    program: Program, make_client: ClientFactory, owner_engine: Engine, settings: Settings
) -> None:
    # given: leads earn 5.00
    shop = await open_shop(program, make_client)
    r = await settings_of(program, lead_reward_minor=500)
    assert r.status_code == 200, r.text

    # when: a sign-up through a click is reported, and reported again
    click = await shop.click(make_client())
    lead = await _lead(shop, click_id=click)
    again = await _lead(shop, click_id=click)

    # then: it earns the reward, split like a pool (10% fee, 10% override), once
    assert lead.status_code == 201, lead.text
    body = lead.json()
    assert (body["kind"], body["amount_minor"], body["pool_minor"]) == ("lead", 0, 500)
    assert (body["currency"], body["attribution"]) == ("USD", "click")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert (await shop.balances(shop.affiliate))["pending"] == 400

    # when: it is voided with another amount, then with its reward
    wrong = await shop.refund(body["id"], amount_minor=100)
    void = await shop.refund(body["id"], refund_id="V-1", amount_minor=500)

    # then: only a whole void is taken, and the reward goes back
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["amount_minor"]
    assert void.status_code == 201, void.text
    assert (await shop.balances(shop.affiliate))["pending"] == 0
    assert verify_problems(owner_engine, settings, program.admin.slug) == []


async def test_a_lead_earns_nothing_when_lead_rewards_are_off(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)

    lead = await _lead(shop, click_id=await shop.click(make_client()))

    assert lead.status_code == 201, lead.text
    assert (lead.json()["unattributed_reason"], lead.json()["shares"]) == ("no_lead_reward", [])


async def test_bad_input_is_refused_naming_the_field(
    program: Program, make_client: ClientFactory
) -> None:
    shop = await open_shop(program, make_client)

    long_id = await _renew(shop, "A-1", sub="S" * 101)
    lead_amount = await _lead(shop, amount_minor=100)
    no_limit = await settings_of(program, recurring="months")
    bad_limit = await settings_of(program, recurring="renewals", recurring_limit=0)
    negative = await settings_of(program, lead_reward_minor=-1)

    for answer, field in [
        (long_id, "subscription_id"),
        (lead_amount, "amount_minor"),
        (no_limit, "recurring_limit"),
        (bad_limit, "recurring_limit"),
        (negative, "lead_reward_minor"),
    ]:
        assert answer.status_code == 422, answer.text
        assert field in {e["field"] for e in answer.json()["errors"]}, answer.text


async def test_a_matured_lead_is_clawed_back_when_voided(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given: a rewarded lead past its refund hold
    shop = await open_shop(program, make_client)
    await settings_of(program, lead_reward_minor=500)
    lead = (await _lead(shop, click_id=await shop.click(make_client()))).json()
    db = Database(db_urls.app)
    try:
        assert await jobs.mature(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=366)) >= 1
    finally:
        await db.dispose()
    assert (await shop.balances(shop.affiliate))["available"] == 400

    # when: it is voided
    void = await shop.refund(lead["id"], amount_minor=500)
    again = await shop.refund(lead["id"], refund_id="V-2", amount_minor=500)

    # then: the reward is clawed back from available earnings, once
    assert void.status_code == 201, void.text
    assert void.json()["clawback"] is True
    assert again.status_code == 422, again.text
    assert (await shop.balances(shop.affiliate))["available"] == 0


async def test_a_renewal_bought_by_the_affiliate_is_held(
    program: Program, make_client: ClientFactory
) -> None:
    # given: a subscription whose renewals earn
    shop = await open_shop(program, make_client)
    await settings_of(program, recurring="forever")
    await _renew(shop, "A-1", click_id=await shop.click(make_client()))

    # when: a renewal names the affiliate as its customer
    r = await _renew(shop, "A-2", customer_ref=shop.affiliate.user["email"])

    # then: the fraud rules hold it as they would any sale
    assert r.status_code == 201, r.text
    assert (r.json()["attribution"], r.json()["state"]) == ("renewal", "held")
    assert r.json()["hold_reasons"] == ["self_referral"]


@pytest.mark.parametrize(
    ("after", "earns"),
    [
        pytest.param(dt.timedelta(seconds=-1), True, id="a-second-before-two-months"),
        pytest.param(dt.timedelta(0), False, id="at-two-months"),
    ],
)
async def test_a_renewal_earns_within_the_months_after_the_first_sale(
    program: Program,
    make_client: ClientFactory,
    db_urls: DatabaseUrls,
    after: dt.timedelta,
    earns: bool,
) -> None:
    # given: renewals earn for 2 months, and a subscription's first sale
    shop = await open_shop(program, make_client)
    await settings_of(program, recurring="months", recurring_limit=2)
    first = (await _renew(shop, "A-1", click_id=await shop.click(make_client()))).json()
    started = dt.datetime.fromisoformat(first["created_at"])

    # when: a renewal is recorded at the window's edge
    db = Database(db_urls.app)
    try:
        async with db.sessionmaker() as session, session.begin():
            tenant_id = uuid.UUID(program.admin.tenant_id)
            await set_tenant(session, tenant_id)
            tenant = await tenants.current(session, tenant_id)
            vendor = await users.find_user(session, uuid.UUID(program.vendor.id))
            assert vendor is not None
            sale = ConversionCreate(
                order_id="A-2", amount_minor=10_000, currency="USD", subscription_id="SUB-1"
            )
            outcome = await conversions.record(
                session, Reporter(tenant, vendor, "api"), sale, now=add_months(started, 2) + after
            )
    finally:
        await db.dispose()

    # then: it earns inside the window, and is kept with the reason outside it
    assert not isinstance(outcome, NotYet)
    renewal, created = outcome
    assert created
    assert renewal.renewal == 1
    assert (renewal.attribution == "renewal") is earns
    assert renewal.unattributed_reason == (None if earns else "recurring_ended")
