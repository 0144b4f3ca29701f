"""From events to deliveries: which endpoints hear an event (by its type, its time, and for a
vendor the product its data names), a batch of events at a time."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import pytest

from bitnexus.core import jsontext
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.core.events import Event
from bitnexus.webhooks import fanout
from tests.conftest import ClientFactory
from tests.factories import Account, Program, invite_and_accept
from tests.webhooks.support import deliveries, register

PUBLIC = "https://93.184.215.14/hooks"


def _event(tenant_id: str, kind: str, data: dict[str, Any], at: dt.datetime | None = None) -> Event:
    at = at or utcnow()
    return Event(
        random.randint(10**12, 10**15),  # an id no real event has yet
        uuid.UUID(tenant_id),
        kind,
        (),
        data,
        at,
        jsontext.dumps({"type": kind, "data": data}),
    )


@pytest.mark.parametrize(
    ("names", "heard_by"),
    [
        ("product", "vendor"),
        ("vendor", "vendor"),
        ("nothing", "nobody"),
    ],
    ids=["by-product", "by-vendor", "unnamed"],
)
async def test_a_vendor_hears_of_a_sale_of_their_own_product(
    program: Program, make_client: ClientFactory, db: Database, names: str, heard_by: str
) -> None:
    # given the vendor's and a rival vendor's endpoints for sales, and the vendor's product
    rival = await invite_and_accept(program.admin, make_client(), role="vendor", name="Rival")
    mine = (await register(program.vendor, PUBLIC, "conversion.created"))["endpoint"]
    theirs = (await register(rival, PUBLIC, "conversion.created"))["endpoint"]
    product = await program.listed()
    data: dict[str, Any] = {"conversion_id": str(uuid.uuid4()), "amount_minor": 4_900}
    if names == "product":
        data["product_id"] = product["id"]
    elif names == "vendor":
        data["vendor_id"] = program.vendor.id

    # when a sale of it is announced, twice over
    event = _event(program.admin.tenant_id, "conversion.created", data)
    for _ in range(2):
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, event.tenant_id)
            await fanout.enqueue(session, [event])

    # then the vendor's endpoint has it once (when the event says whose it is), the rival's never
    expected = 1 if heard_by == "vendor" else 0
    assert len(await deliveries(program.vendor, mine["id"])) == expected
    assert await deliveries(rival, theirs["id"]) == []


async def test_a_batch_reaches_each_endpoint_with_the_events_it_should_hear(
    program: Program, make_client: ClientFactory, db: Database
) -> None:
    # given two of the admin's endpoints, one for sales and one for approvals, and a vendor's
    # endpoint for sales
    sales = (await register(program.admin, PUBLIC, "conversion.created"))["endpoint"]
    approvals = (await register(program.admin, PUBLIC, "product.approved"))["endpoint"]
    vendors = (await register(program.vendor, PUBLIC, "conversion.created"))["endpoint"]
    product = await program.listed()
    tenant = program.admin.tenant_id
    sale, approval, earlier_sale, of_no_one, unsubscribed = [
        _event(tenant, "conversion.created", {"product_id": product["id"]}),
        _event(tenant, "product.approved", {"product_id": product["id"]}),
        _event(tenant, "conversion.created", {}, at=utcnow() - dt.timedelta(hours=1)),
        _event(tenant, "conversion.created", {}),
        _event(tenant, "product.rejected", {"product_id": product["id"]}),
    ]

    # when they are enqueued as one batch
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, uuid.UUID(tenant))
        made = await fanout.enqueue(
            session, [sale, approval, earlier_sale, of_no_one, unsubscribed]
        )

    # then each endpoint has the events of its types written since it was made (the vendor's,
    # only the sale of their product)
    async def heard(who: Account, endpoint: dict[str, Any]) -> set[int]:
        return {int(d["event_id"]) for d in await deliveries(who, endpoint["id"])}

    assert await heard(program.admin, sales) == {sale.id, of_no_one.id}
    assert await heard(program.admin, approvals) == {approval.id}
    assert await heard(program.vendor, vendors) == {sale.id}
    assert made == 4
