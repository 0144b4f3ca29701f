"""The notification centre: each event that concerns people becomes a notification for each of
them, once, on the channel they chose; they read it and mark it read."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.db import set_tenant
from bitnexus.core.events import Event
from bitnexus.notifications import service
from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.events import announced, events_of
from tests.factories import Account, Program
from tests.notifications.support import deliver, notifications
from tests.waiting import eventually


@pytest.fixture
async def sold(program: Program, make_client: ClientFactory) -> Shop:
    """An organisation whose affiliate (with an upline) sold 10,000 through a click."""
    shop = await open_shop(program, make_client)
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text
    return shop


def _told(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["kind"], n["title"]) for n in page["items"]]


async def test_a_sale_tells_each_earner_the_vendor_and_the_admins(
    app: FastAPI, owner_engine: Engine, program: Program, sold: Shop
) -> None:
    # when the organisation's events are delivered
    await deliver(app, owner_engine, program.admin.tenant_id)

    # then each earner hears of their commission, the vendor and the admins of the sale
    assert _told(await notifications(sold.affiliate)) == [
        ("commission_created", "New commission: 16.00 USD")
    ]
    assert _told(await notifications(sold.upline)) == [
        ("commission_created", "New commission: 2.00 USD")
    ]
    for who in (program.vendor, program.admin):
        page = await notifications(who)
        assert ("sale_reported", "New sale: 100.00 USD") in _told(page)
    affiliate = (await notifications(sold.affiliate))["items"][0]
    assert affiliate["link"] == "/app/commissions"
    assert affiliate["read_at"] is None


async def test_an_event_delivered_twice_tells_no_one_twice(
    app: FastAPI, owner_engine: Engine, program: Program, sold: Shop
) -> None:
    await deliver(app, owner_engine, program.admin.tenant_id)
    await deliver(app, owner_engine, program.admin.tenant_id)

    page = await notifications(sold.affiliate)

    assert len(page["items"]) == 1
    assert page["unread"] == 1


@pytest.mark.parametrize(
    ("channel", "told", "mailed"),
    [("off", False, None), ("in_app", True, False), ("mail", True, True)],
)
async def test_the_channel_a_user_chose_decides(
    app: FastAPI,
    owner_engine: Engine,
    program: Program,
    make_client: ClientFactory,
    channel: str,
    told: bool,
    mailed: bool | None,
) -> None:
    # given an affiliate who chose a channel for new commissions
    shop = await open_shop(program, make_client)
    r = await shop.affiliate.client.put(
        "/api/v1/notifications/preferences",
        json={"channels": {"commission_created": channel}},
        headers=shop.affiliate.headers,
    )
    assert r.status_code == 200, r.text
    assert {p["kind"]: p["channel"] for p in r.json()}["commission_created"] == channel

    # when they earn a commission
    await shop.report(click_id=await shop.click(make_client()))
    await deliver(app, owner_engine, program.admin.tenant_id)

    # then they are told, or not, and it is to be mailed only on the mail channel
    page = await notifications(shop.affiliate)
    assert bool(page["items"]) is told
    if told:
        with owner_engine.connect() as conn:
            mail = conn.execute(
                text("SELECT mail FROM notifications WHERE user_id = :u"),
                {"u": shop.affiliate.id},
            ).scalar_one()
        assert mail is mailed


async def test_reading_marks_one_or_all_and_never_another_users(
    app: FastAPI, owner_engine: Engine, program: Program, sold: Shop
) -> None:
    await deliver(app, owner_engine, program.admin.tenant_id)
    admin_page = await notifications(program.admin)
    theirs = admin_page["items"][0]["id"]
    mine = (await notifications(sold.affiliate))["items"][0]["id"]

    # when the affiliate marks the admin's notification and then their own
    r = await sold.affiliate.client.post(
        "/api/v1/notifications/read", json={"ids": [theirs]}, headers=sold.affiliate.headers
    )
    assert r.json() == {"unread": 1}
    r = await sold.affiliate.client.post(
        "/api/v1/notifications/read", json={"ids": [mine]}, headers=sold.affiliate.headers
    )

    # then only their own is read, and the admin's is untouched
    assert r.json() == {"unread": 0}
    assert (await notifications(sold.affiliate))["items"][0]["read_at"] is not None
    assert (await notifications(program.admin))["unread"] == admin_page["unread"]
    # and "all" reads every one of the admin's
    r = await program.admin.client.post(
        "/api/v1/notifications/read", json={}, headers=program.admin.headers
    )
    assert r.json() == {"unread": 0}
    assert (await notifications(program.admin, unread="true"))["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"channels": {"no_such_kind": "mail"}}, "no_such_kind", id="unknown-kind"),
        pytest.param({"channels": {"payout": "pigeon"}}, "payout", id="unknown-channel"),
        pytest.param({"channel": {}}, "channel", id="unknown-field"),
    ],
)
async def test_bad_preferences_are_a_problem_naming_the_field(
    program: Program, body: dict[str, Any], field: str
) -> None:
    who: Account = program.affiliate
    r = await who.client.put("/api/v1/notifications/preferences", json=body, headers=who.headers)

    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in str(r.json()["errors"]), r.json()


async def test_the_running_app_records_notifications_and_announces_them(
    owner_engine: Engine, program: Program, make_client: ClientFactory
) -> None:
    # given the app's own notifications consumer (nothing delivered by hand)
    shop = await open_shop(program, make_client)

    # when a sale is reported
    sale = await shop.report(click_id=await shop.click(make_client()))
    assert sale.status_code == 201, sale.text

    # then the affiliate's notification appears, and is announced on their topic for the bell
    async def told() -> list[Any]:
        return (await notifications(shop.affiliate))["items"]  # type: ignore[no-any-return]

    [made] = await eventually(told, "the affiliate's notification")
    assert made["kind"] == "commission_created"
    told_of = {
        e["data"]["id"]: e["topics"]
        for e in announced(owner_engine, program.admin.tenant_id, "notification.created")
    }
    assert told_of[made["id"]] == [f"user:{shop.affiliate.id}"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"amount_minor": 100}, id="no-currency"),
        pytest.param({"amount_minor": "lots", "currency": "USD"}, id="not-a-number"),
    ],
)
async def test_an_event_without_the_data_its_type_has_tells_no_one(
    app: FastAPI, program: Program, data: dict[str, Any]
) -> None:
    # given a commission.created event written by something else, without its usual data
    event = Event(
        10**12 + len(str(data)), uuid.UUID(program.admin.tenant_id), "commission.created",
        (f"user:{program.affiliate.id}",), data, dt.datetime.now(dt.UTC), b"",
    )  # fmt: skip

    # when it is recorded
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, event.tenant_id)
        made = await service.record(session, [event])

    # then nothing is made, and nothing fails
    assert made == 0
    assert (await notifications(program.affiliate))["items"] == []


@pytest.mark.parametrize(
    ("data", "title", "says"),
    [
        (
            {"kind": "tail_deleted", "detail": "transactions 4…4 are in the tree but gone from the log"},
            "Ledger alarm: sealing stopped",
            "gone from the log",
        ),
        (
            {"kind": "fork", "reporter": "witness.example/w1", "halted": False,
             "detail": "Witness witness.example/w1 refused checkpoint 6 (block 1)"},
            "Ledger alarm: a witness refused a checkpoint",
            "Both checkpoints are kept as evidence",
        ),
    ],
    ids=["sealer-halted", "witness-refused"],
)  # fmt: skip
async def test_a_ledger_alarm_tells_the_admins_only(
    app: FastAPI, program: Program, data: dict[str, Any], title: str, says: str
) -> None:
    # given an alarm event for the organisation (as `ledger.integrity.raise_alarm` emits it)
    tenant = program.admin.tenant_id
    event = Event(
        10**12 + 7, uuid.UUID(tenant), "ledger.alarm", (f"ledger:{tenant}", f"admins:{tenant}"),
        data, dt.datetime.now(dt.UTC), b"",
    )  # fmt: skip

    # when it is recorded
    async with app.state.db.sessionmaker() as session, session.begin():
        await set_tenant(session, event.tenant_id)
        await service.record(session, [event])

    # then the admins are told, with the detail and a link to the ledger; nobody else is
    [told] = (await notifications(program.admin))["items"]
    assert (told["kind"], told["title"], told["link"]) == ("ledger_alarm", title, "/app/ledger")
    assert data["detail"] in told["body"]
    assert says in told["body"]
    assert (await notifications(program.affiliate))["items"] == []


async def test_a_batch_tells_what_its_events_tell_one_by_one(
    app: FastAPI, owner_engine: Engine, program: Program, make_client: ClientFactory
) -> None:
    # given a sale and a listing, whose people chose differently for different kinds
    shop = await open_shop(program, make_client)
    for who, kind, channel in [
        (shop.affiliate, "commission_created", "mail"),
        (program.vendor, "sale_reported", "off"),
        (program.admin, "product_submitted", "off"),
    ]:
        r = await who.client.put(
            "/api/v1/notifications/preferences",
            json={"channels": {kind: channel}},
            headers=who.headers,
        )
        assert r.status_code == 200, r.text
    await shop.report(click_id=await shop.click(make_client()))
    await program.listed()
    # (under ids of their own: the running app records the real ones meanwhile)
    events = [
        replace(e, id=e.id + 10**12) for e in events_of(owner_engine, program.admin.tenant_id)
    ]

    async def told(*batches: list[Event]) -> set[tuple[Any, ...]]:
        async with app.state.db.sessionmaker() as session, session.begin():
            await set_tenant(session, uuid.UUID(program.admin.tenant_id))
            for batch in batches:
                await service.record(session, batch)
            rows = await session.execute(
                text(
                    "SELECT user_id, kind, event_id, mail, link, title FROM notifications"
                    " WHERE event_id >= 10^12"
                )
            )
            made = {tuple(row) for row in rows}
            await session.rollback()
        return made

    # when they are recorded event by event, and as one batch
    alone, together = await told(*([e] for e in events)), await told(events)

    # then the batch tells the same people the same things, on the channels they chose
    assert together == alone
    mailed = {(row[0], row[1]): row[3] for row in together}  # (user, kind) → mailed
    affiliate, vendor, admin = (
        uuid.UUID(a.id) for a in (shop.affiliate, program.vendor, program.admin)
    )
    assert mailed[(affiliate, "commission_created")] is True
    assert mailed[(admin, "sale_reported")] is False
    assert (vendor, "sale_reported") not in mailed
    assert (admin, "product_submitted") not in mailed
