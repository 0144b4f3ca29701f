"""The sale desk: reports arriving together are recorded in one unit of work, and each gets the
answer it would have had alone (new, replayed, refused, held), against the real database."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys.errors import InvalidApiKey
from bitnexus.commissions.errors import ConversionConflict
from bitnexus.commissions.schemas import ConversionCreate
from bitnexus.commissions.service.conversions import Recorded
from bitnexus.commissions.service.desk import SaleDesk
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.errors import BitnexusError, Forbidden, InvalidInput
from bitnexus.core.groupcommit import Later
from bitnexus.core.ids import uuid7
from tests.commissions.support import api_key, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import Program
from tests.tracking.support import browser_visit, tenant_of


class CountingDesk(SaleDesk):
    """The real desk, noting the size of each batch it writes."""

    def __init__(self, db: Database) -> None:
        super().__init__(db, gather_seconds=0.1)
        self.batches: list[int] = []

    async def _record(
        self, session: AsyncSession, reports: Sequence[tuple[str, ConversionCreate]]
    ) -> list[Recorded | BitnexusError | Later]:
        self.batches.append(len(reports))
        return await super()._record(session, reports)


def sale(order: str, **fields: object) -> ConversionCreate:
    return ConversionCreate.model_validate(
        {"order_id": order, "amount_minor": 10_000, "currency": "USD", **fields}
    )


@pytest.fixture
async def desk(db_urls: DatabaseUrls) -> AsyncIterator[CountingDesk]:
    db = Database(db_urls.app)
    made = CountingDesk(db)
    yield made
    await made.close()
    await db.dispose()


async def test_reports_arriving_together_share_one_unit_of_work_and_keep_their_own_answers(
    program: Program, make_client: ClientFactory, owner_engine: Engine, desk: CountingDesk
) -> None:
    shop = await open_shop(program, make_client)
    # every sale comes from one address here: the rule that would hold the fourth stays out
    assert (await settings(program.admin, fraud_max_sales_per_address=0)).status_code == 200
    click = await shop.click(make_client())
    first = await shop.report(click_id=click, order_id="EARLIER")
    assert first.status_code == 201, first.text
    browser_key = await api_key(program.vendor, scope="conversions:browser")
    r = await program.vendor.client.post(
        "/api/v1/api-keys",
        json={"name": "Old", "scope": "conversions:write", "mode": "live"},
        headers=program.vendor.headers,
    )
    revoked = r.json()["secret"]
    r = await program.vendor.client.delete(
        f"/api/v1/api-keys/{r.json()['key']['id']}", headers=program.vendor.headers
    )
    assert r.status_code == 200, r.text

    reports = [
        (shop.key, sale("B-1", click_id=click)),
        (shop.key, sale("B-2", click_id=click, amount_minor=333)),
        (shop.key, sale("EARLIER", click_id=click)),  # a retry: the original comes back
        (shop.key, sale("EARLIER", click_id=click, amount_minor=5)),  # other content: 409
        (shop.key, sale("TWICE", click_id=click)),
        (shop.key, sale("TWICE", click_id=click)),  # the same order twice in one batch
        (shop.key, sale("EURO", click_id=click, currency="EUR")),  # the product sells in USD
        (shop.key, sale("LOST", click_id=str(uuid.uuid4()))),  # unknown click: kept, unpaid
        (revoked, sale("REVOKED", click_id=click)),
        (browser_key, sale("SCOPE", click_id=click)),  # a key for the snippet, not servers
    ]
    answers = await asyncio.gather(
        *(desk.report(key, body) for key, body in reports), return_exceptions=True
    )
    assert desk.batches[0] == len(reports)  # one unit of work for all of them...
    assert desk.batches[1:] == [1]  # ...but the second "TWICE", decided once the first was

    new_1, new_2, retry, conflict, twice_a, twice_b, euro, lost, revoked_answer, scope = answers
    for made in (new_1, new_2, twice_a):
        assert isinstance(made, tuple)
        assert made[1] is True
        assert made[0].state == "pending"
    assert isinstance(new_1, tuple)
    assert isinstance(new_2, tuple)
    assert {s.kind: s.amount_minor for s in new_2[0].shares} == {
        "affiliate": 54,
        "override": 6,
        "platform_fee": 6,
    }  # 20% of 333 = 66; 10% fee 6; 10% override 6
    assert isinstance(retry, tuple)
    assert retry[1] is False
    assert str(retry[0].id) == first.json()["id"]
    assert isinstance(conflict, ConversionConflict)
    assert isinstance(twice_b, tuple)
    assert isinstance(twice_a, tuple)
    assert (twice_b[0].id, twice_b[1]) == (twice_a[0].id, False)
    assert isinstance(euro, InvalidInput)
    assert isinstance(lost, tuple)
    assert lost[0].unattributed_reason == "unknown_click"
    assert isinstance(revoked_answer, InvalidApiKey)
    assert isinstance(scope, Forbidden)

    with owner_engine.connect() as conn:  # each paid sale: its own balanced transaction
        rows = conn.execute(
            text(
                "SELECT c.order_id, sum(p.amount) AS total, count(*) AS postings"
                " FROM conversions c JOIN ledger_postings p"
                " ON p.transaction_id = c.ledger_transaction_id"
                " WHERE c.order_id IN ('B-1', 'B-2', 'TWICE') GROUP BY c.order_id"
            )
        ).all()
        stored = conn.execute(
            text("SELECT count(*) FROM conversions WHERE order_id IN ('EURO', 'REVOKED', 'SCOPE')")
        ).scalar_one()
    assert sorted((r.order_id, r.total, r.postings) for r in rows) == [
        ("B-1", 0, 4),
        ("B-2", 0, 4),
        ("TWICE", 0, 4),
    ]
    assert stored == 0
    assert (await shop.balances(shop.affiliate))["pending"] == 1_600 * 3 + 54


async def test_a_batch_counts_its_own_sales_from_one_address(
    program: Program, make_client: ClientFactory, desk: CountingDesk
) -> None:
    """Four sales from one address at once, two allowed a day: the third and fourth are held,
    as if they had come one by one."""
    shop = await open_shop(program, make_client)
    assert (await settings(program.admin, fraud_max_sales_per_address=2)).status_code == 200
    click = await shop.click(make_client())
    answers = await asyncio.gather(
        *(desk.report(shop.key, sale(f"ADDR-{i}", click_id=click)) for i in range(4))
    )
    assert desk.batches == [4]
    assert [(read.state, read.hold_reasons) for read, _ in answers] == [
        ("pending", []),
        ("pending", []),
        ("held", ["shared_address"]),
        ("held", ["shared_address"]),
    ]


async def test_a_sale_waiting_for_its_click_does_not_hold_up_the_batch(
    program: Program,
    make_client: ClientFactory,
    app: FastAPI,
    owner_engine: Engine,
    desk: CountingDesk,
) -> None:
    shop = await open_shop(program, make_client)
    click = await shop.click(make_client())
    young = uuid7()  # made now, not stored yet
    waiting = asyncio.ensure_future(desk.report(shop.key, sale("YOUNG", click_id=str(young))))
    started = asyncio.get_running_loop().time()
    read, created = await desk.report(shop.key, sale("READY", click_id=click))
    assert created
    assert asyncio.get_running_loop().time() - started < 2
    assert not waiting.done()
    tenant_id = tenant_of(owner_engine, shop.link)
    visit = dataclasses.replace(browser_visit(tenant_id, shop.link["id"], 51), id=young)
    await app.state.clicks.record(visit)
    read, created = await waiting
    assert created
    assert read.attribution == "click"
    assert str(read.affiliate_id) == shop.affiliate.id
