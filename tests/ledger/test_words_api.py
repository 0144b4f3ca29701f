"""Ledger answers in plain words: accounts named after their owners (never another member's
name for a non-admin, never another tenant's), each entry's kind and meaning, and balances and
postings told from the reader's side."""

from __future__ import annotations

import uuid
from typing import Any

from bitnexus.accounts.service import users
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger.words import MEANINGS, EntryKind
from tests.commissions.support import Shop, open_shop
from tests.conftest import ClientFactory
from tests.factories import (
    Account,
    Program,
    invite_and_accept,
    signup_affiliate,
    signup_org,
)

LEDGER = "/api/v1/ledger"


async def _shop(make_client: ClientFactory) -> Shop:
    admin = await signup_org(make_client(), name="Ada Admin")
    vendor = await invite_and_accept(admin, make_client(), role="vendor", name="Vera Vendor")
    upline = await signup_affiliate(make_client(), admin.slug, admin=admin, name="Uma Upline")
    return await open_shop(Program(admin, vendor, upline), make_client)


async def _get(who: Account, path: str) -> Any:
    r = await who.client.get(f"{LEDGER}{path}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _sale_refunded(shop: Shop, make_client: ClientFactory) -> dict[str, Any]:
    r = await shop.report(order_id="A-1", click_id=await shop.click(make_client()))
    assert r.status_code == 201, r.text
    sale = r.json()
    r = await shop.refund(sale["id"], amount_minor=10_000)
    assert r.status_code == 201, r.text
    return sale  # type: ignore[no-any-return]


async def test_admins_see_every_account_named_after_its_owner_in_the_books(
    make_client: ClientFactory,
) -> None:
    # given a sale through an affiliate referred by Uma, refunded in full
    shop = await _shop(make_client)
    await _sale_refunded(shop, make_client)
    admin, seller = shop.program.admin, shop.affiliate

    # when the admin lists the accounts
    accounts = await _get(admin, "/accounts")

    # then each is named, coded, and read in the platform's books
    named = {a["name"]: (a["code"], a["balance_label"]) for a in accounts}
    vendor_id, upline_id = shop.program.vendor.id, shop.upline.id
    assert named == {
        "Vendor Vera Vendor — commissions receivable (USD)": (
            f"vendor:{vendor_id}:receivable:USD",
            "Asset: owed to the platform",
        ),
        "Aff Iliate — pending commissions (USD)": (
            f"affiliate:{seller.id}:pending:USD",
            "Liability: the platform owes",
        ),
        "Uma Upline — pending commissions (USD)": (
            f"affiliate:{upline_id}:pending:USD",
            "Liability: the platform owes",
        ),
        "Platform fees (USD)": ("platform:fees:USD", "Revenue: the platform earned"),
    }


async def test_an_affiliate_reads_what_they_earned_and_never_other_members_names(
    make_client: ClientFactory,
) -> None:
    # given a sale through the affiliate, refunded in full
    shop = await _shop(make_client)
    await _sale_refunded(shop, make_client)
    seller = shop.affiliate
    code = f"affiliate:{seller.id}:pending:USD"

    # when the affiliate reads their account, its statement and the sale's entry
    [account] = await _get(seller, "/accounts")
    statement = await _get(seller, f"/accounts/{code}/statement")
    refund, sale = statement["items"]
    entry = await _get(seller, f"/transactions/{sale['transaction_id']}")

    # then the words are theirs: earned, then taken back by the refund
    assert (account["name"], account["code"]) == ("Aff Iliate — pending commissions (USD)", code)
    assert account["balance_label"] == "You earned, still refundable"
    assert (sale["kind"], sale["effect"], sale["meaning"]) == (
        EntryKind.commission,
        "You earned",
        MEANINGS[EntryKind.commission],
    )
    assert sale["amount"] > 0
    assert (refund["kind"], refund["effect"], refund["title"]) == (
        EntryKind.refund,
        "No longer pending",
        "Refund: order A-1",
    )
    assert refund["amount"] == -sale["amount"]
    assert entry["kind"] == EntryKind.commission
    mine = [p for p in entry["postings"] if p["account"] == code]
    assert [(p["account_name"], p["effect"]) for p in mine] == [
        ("Aff Iliate — pending commissions (USD)", "You earned")
    ]
    others = {(p["account_name"], p["effect"]) for p in entry["postings"] if p not in mine}
    assert others == {
        ("A vendor — commissions receivable (USD)", ""),
        ("An affiliate — pending commissions (USD)", ""),
        ("Platform fees (USD)", ""),
    }
    assert "Uma Upline" not in str(entry)
    assert "Vera Vendor" not in str(entry)


async def test_a_vendor_reads_what_they_owe(make_client: ClientFactory) -> None:
    # given a sale of the vendor's, refunded in full
    shop = await _shop(make_client)
    await _sale_refunded(shop, make_client)
    vendor = shop.program.vendor
    code = f"vendor:{vendor.id}:receivable:USD"

    # when the vendor reads their account and its statement
    [account] = await _get(vendor, "/accounts")
    refund, sale = (await _get(vendor, f"/accounts/{code}/statement"))["items"]

    # then it says what they owe: more for the sale, less after the refund, nothing now
    assert account["name"] == "Vendor Vera Vendor — commissions receivable (USD)"
    assert (account["balance"], account["balance_label"]) == (0, "You owe")
    assert (sale["kind"], sale["effect"]) == (EntryKind.commission, "You owe more")
    assert (refund["kind"], refund["effect"]) == (EntryKind.refund, "You owe less")
    assert refund["meaning"] == MEANINGS[EntryKind.refund]


async def test_another_tenants_accounts_and_names_never_resolve(
    make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given a sale in one organisation and another organisation's admin
    shop = await _shop(make_client)
    await _sale_refunded(shop, make_client)
    other = await signup_org(make_client())
    vendor = shop.program.vendor
    code = f"vendor:{vendor.id}:receivable:USD"

    # when the other admin asks for its statement and accounts, and names are resolved in
    # the other tenant for the first one's vendor
    statement = await other.client.get(f"{LEDGER}/accounts/{code}/statement", headers=other.headers)
    listed = await _get(other, "/accounts")
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, uuid.UUID(other.tenant_id))
            across = await users.names(s, [uuid.UUID(vendor.id)])
            await set_tenant(s, uuid.UUID(shop.program.admin.tenant_id))
            within = await users.names(s, [uuid.UUID(vendor.id)])
    finally:
        await db.dispose()

    # then nothing resolves across tenants
    assert statement.status_code == 404
    assert "Vera Vendor" not in statement.text
    assert listed == []
    assert across == {}
    assert within == {uuid.UUID(vendor.id): "Vera Vendor"}
