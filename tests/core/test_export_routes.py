"""Every table export against the real database: the list's filters applied, the list's role
rules, no other organisation's rows, bad input refused by name, and long lists streamed."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from bitnexus.core import export
from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls
from tests.commissions.support import Shop, open_shop, settings
from tests.conftest import ClientFactory
from tests.factories import (
    Account,
    Program,
    earn,
    make_ledger,
    new_program,
    set_payout_method,
)


def table(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


async def get(who: Account, path: str, **params: Any) -> httpx.Response:
    return await who.client.get(f"/api/v1{path}", params=params, headers=who.headers)


@pytest.fixture
async def shop(program: Program, make_client: ClientFactory) -> Shop:
    """Two sales through the affiliate's link: one of 100.00, one of 49.90."""
    shop = await open_shop(program, make_client)
    for order, amount in (("A-1", 10_000), ("A-2", 4_990)):
        r = await shop.report(
            order_id=order, amount_minor=amount, click_id=await shop.click(make_client())
        )
        assert r.status_code == 201, r.text
    return shop


async def test_sales_export_has_every_sale_of_the_vendor_and_none_of_another_org(
    shop: Shop, make_client: ClientFactory
) -> None:
    # given another organisation with a sale of its own
    other = await open_shop(await new_program(make_client), make_client)
    r = await other.report(order_id="OTHER-1", click_id=await other.click(make_client()))
    assert r.status_code == 201, r.text

    # when each side exports its sales
    mine = table(await get(shop.program.vendor, "/conversions/export"))
    admins = table(await get(shop.program.admin, "/conversions/export"))

    # then each sees its own, amounts in the currency's decimals, newest first
    assert [(s["Order"], s["Amount"], s["Currency"]) for s in mine] == [
        ("A-2", "49.90", "USD"),
        ("A-1", "100.00", "USD"),
    ]
    assert [s["Order"] for s in admins] == ["A-2", "A-1"]
    assert mine[0]["Affiliate ID"] == shop.affiliate.id
    assert mine[0]["Reported (UTC)"].endswith("Z")


async def test_affiliates_may_not_export_sales(shop: Shop) -> None:
    r = await get(shop.affiliate, "/conversions/export")

    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_commissions_export_applies_the_state_filter(shop: Shop) -> None:
    # given two pending commissions of the affiliate, one rejected by the vendor's refund
    listed = (await get(shop.affiliate, "/commissions")).json()["items"]
    refunded = next(c for c in listed if c["sale_minor"] == 4_990 and c["kind"] == "affiliate")
    r = await shop.refund(refunded["conversion_id"], amount_minor=4_990)
    assert r.status_code == 201, r.text

    # when the affiliate exports all, then only the pending ones
    every = table(await get(shop.affiliate, "/commissions/export"))
    pending = table(await get(shop.affiliate, "/commissions/export", state="pending"))

    # then the export matches the list, filter and all
    assert len(every) == len((await get(shop.affiliate, "/commissions")).json()["items"])
    listed_pending = (await get(shop.affiliate, "/commissions", state="pending")).json()["items"]
    assert [c["Commission ID"] for c in pending] == [c["id"] for c in listed_pending]
    assert {c["State"] for c in pending} == {"pending"}
    assert [c["Commission"] for c in pending] == ["16.00"]  # 20% less the fee and override
    # the upline sees only its override, never the affiliate's own share
    upline = table(await get(shop.upline, "/commissions/export"))
    assert {c["Kind"] for c in upline} == {"override"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/commissions/export", {"format": "pdf"}, "format"),
        ("/commissions/export", {"state": "bogus"}, "state"),
        ("/conversions/export", {"format": "xls"}, "format"),
        ("/dashboards/clicks/export", {"start": "2026-13-01"}, "start"),
        ("/dashboards/clicks/export", {"start": "2026-12-05", "end": "2026-12-01"}, "start"),
        ("/payouts/export", {"format": ""}, "format"),
    ],
    ids=["format", "state", "sales-format", "bad-date", "reversed-range", "empty-format"],
)
async def test_bad_format_or_filter_is_refused_by_name(
    program: Program, path: str, params: dict[str, str], field: str
) -> None:
    who = program.vendor if path.startswith("/conversions") else program.affiliate

    r = await get(who, path, **params)

    assert 400 <= r.status_code < 500, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field], r.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_download_is_named_for_the_table_and_the_org(shop: Shop, fmt: str) -> None:
    r = await get(shop.program.vendor, "/conversions/export", format=fmt)

    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="sales-{shop.program.admin.slug}-')
    assert disposition.endswith(f'.{fmt}"')
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(r.content)) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert "A-2" in sheet
        assert "<v>49.9</v>" in sheet


async def test_clicks_export_counts_each_link_per_day_for_whoever_may_see_it(
    shop: Shop, make_client: ClientFactory
) -> None:
    # given another organisation's clicks
    other = await open_shop(await new_program(make_client), make_client)
    await other.click(make_client())

    # when the affiliate, the vendor and the admin export the clicks summary
    affiliate = table(await get(shop.affiliate, "/dashboards/clicks/export"))
    vendor = table(await get(shop.program.vendor, "/dashboards/clicks/export"))
    admin = table(await get(shop.program.admin, "/dashboards/clicks/export"))
    upline = table(await get(shop.upline, "/dashboards/clicks/export"))

    # then each sees the two clicks on the affiliate's link today, the upline none of them
    for rows in (affiliate, vendor, admin):
        assert [(r["Link ID"], r["Clicks"], r["Raw clicks (bots included)"]) for r in rows] == [
            (shop.link["id"], "2", "2")
        ]
    assert upline == []


async def test_clicks_export_keeps_to_the_range(shop: Shop) -> None:
    rows = table(
        await get(shop.affiliate, "/dashboards/clicks/export", start="2020-01-01", end="2020-01-31")
    )

    assert rows == []


async def body_parts(app: FastAPI, path: str, who: Account) -> list[bytes]:
    """The pieces of a response body as the app sends them (httpx's ASGI transport joins them)."""
    sent: list[MutableMapping[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in who.headers.items()],
        "client": ("10.255.0.1", 40000),
        "server": ("testserver", 80),
    }

    done = anyio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays until the whole body is sent
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    return [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]


async def test_statement_export_is_the_whole_statement_streamed_page_by_page(
    program: Program,
    app: FastAPI,
    db_urls: DatabaseUrls,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given 45 sequenced postings on an account, and exports reading 20 at a time
    await make_ledger(db_urls, settings, program.admin, 45, seal_at=(45,))
    monkeypatch.setattr(export, "PAGE", 20)

    # when the admin exports the statement
    path = "/api/v1/ledger/accounts/affiliate:1:pending/statement/export"
    chunks = await body_parts(app, path, program.admin)

    # then every posting came, newest first, a row at a time
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(chunks) == 46  # the header, then each row as it was read
    assert [r["Sequence"] for r in rows] == [str(n) for n in range(44, -1, -1)]
    assert [r["Entry"] for r in rows[:2]] == ["Sale 44", "Sale 43"]
    assert {r["Kind"] for r in rows} == {"other"}  # the test ledger's entries are no sales
    assert len({r["Transaction ID"] for r in rows}) == 45


async def test_statement_export_of_an_account_not_yours_is_not_found(
    program: Program, make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings
) -> None:
    await make_ledger(db_urls, settings, program.admin, 1, seal_at=())
    stranger = (await new_program(make_client)).admin
    path = "/ledger/accounts/affiliate:1:pending/statement/export"

    for who in (program.affiliate, stranger):
        r = await get(who, path)
        assert r.status_code == 404, r.text


async def test_payout_exports_for_the_affiliate_and_the_admin(
    shop: Shop, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given a batch paying the affiliate
    assert (await settings(shop.program.admin, payout_threshold_minor=100)).status_code == 200
    await earn(shop, make_client, db_urls, 1)
    await set_payout_method(shop.affiliate, method="paypal", email="aff@pay.example")
    admin = shop.program.admin
    r = await admin.client.post("/api/v1/payout-batches", json={}, headers=admin.headers)
    assert r.status_code == 201, r.text
    batch = r.json()

    # when the affiliate and the admin export
    mine = table(await get(shop.affiliate, "/payouts/export"))
    batches = table(await get(admin, "/payout-batches/export"))
    items = table(await get(admin, f"/payout-batches/{batch['id']}/items/export"))

    # then each sees what its lists show
    [payout] = mine
    assert (payout["Affiliate"], payout["Status"]) == (shop.affiliate.user["name"], "pending")
    assert payout["Amount"] == "16.00" or float(payout["Amount"]) > 0
    assert [b["Batch ID"] for b in batches] == [batch["id"]]
    assert {i["Payout ID"] for i in items} == {i["id"] for i in batch["items"]}
    # an affiliate may not export the batches
    assert (await get(shop.affiliate, "/payout-batches/export")).status_code == 403
    stranger = (await new_program(make_client)).admin
    assert (await get(stranger, f"/payout-batches/{batch['id']}/items/export")).status_code == 404
    assert table(await get(stranger, "/payout-batches/export")) == []
