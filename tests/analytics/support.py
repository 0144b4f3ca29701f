"""What the analytics tests share: a dashboard read, traffic with sales, clicks moved back in
time, a ledger account's sum."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.commissions.support import Shop
from tests.conftest import ClientFactory
from tests.factories import Account


async def dashboard(who: Account, role: str, query: str = "") -> Any:
    r = await who.client.get(f"/api/v1/dashboards/{role}{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def backdate_clicks(owner_engine: Engine, tenant_id: str, hours: int) -> None:
    """Move an organisation's clicks `hours` back in time, so that a rollup counts them."""
    with owner_engine.begin() as conn:  # the owner may move clicks back in time
        conn.execute(text("ALTER TABLE clicks DISABLE TRIGGER append_only"))
        conn.execute(
            text(
                "UPDATE clicks SET created_at = created_at - make_interval(hours => :h)"
                " WHERE tenant_id = :t"
            ),
            {"h": hours, "t": tenant_id},
        )
        conn.execute(text("ALTER TABLE clicks ENABLE TRIGGER append_only"))


def ledger_sum(owner_engine: Engine, code: str) -> int:
    with owner_engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p"
                " JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = :c"
            ),
            {"c": code},
        ).scalar_one()
    return int(total)


async def traffic(shop: Shop, make_client: ClientFactory) -> None:
    """Four clicks (one from a crawler, one a repeat) and two sales, one half refunded."""
    visitor = make_client()
    first = await shop.click(visitor)
    await shop.click(visitor)  # same visitor, same link: not unique
    await make_client().get(
        f"/r/{shop.link['code']}",
        headers={"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
    )
    second = await shop.click(make_client())
    a = (await shop.report(order_id="D-1", click_id=first)).json()
    await shop.report(order_id="D-2", click_id=second, amount_minor=5_000)
    r = await shop.refund(a["id"], amount_minor=5_000)
    assert r.status_code == 201, r.text
