"""No statement joins two organisations' rows: every join between tenant tables equates their
`tenant_id`, so a distributed PostgreSQL runs it inside one tenant's shard (docs/scaling.md).
And no subquery reads a table again that it was meant to take the row of.

Row security would hide a join that forgets the tenant (each table is filtered to the
transaction's tenant on its own), which is why the check reads the statements as written: the
statements the app sends are captured while it serves organisations, and PostgreSQL plans each
one without row security (as the owner, `EXPLAIN (GENERIC_PLAN)`). Any two tenant tables the
plan relates (a join, a semi-join, a correlated subquery's condition) must then have their
`tenant_id` equal, directly or through the same parameter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from asyncpg.connection import LoggedQuery
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from bitnexus.core.config import Settings
from bitnexus.core.db import utcnow
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import jobs as ledger_jobs
from bitnexus.tracking import rollups
from bitnexus.tracking.repository import INSERT_CLICKS
from bitnexus.webhooks.delivery import attempt
from tests.commissions.support import open_shop
from tests.commissions.support import settings as commission_settings
from tests.conftest import ClientFactory
from tests.factories import Account, earn, new_program, png, set_payout_method, unique_email
from tests.groups.support import make_group, move
from tests.isolation.test_distribution_keys import TENANT_TABLES
from tests.querylog import logged_through
from tests.webhooks.support import Receiver, register, serve

# what a condition may equate a tenant with: another table's tenant, a parameter, a literal
_SIDE = r"(\w+\.tenant_id|\$\d+|\(InitPlan \d+\)\.col\d+|'[0-9a-f-]{36}')"
_EQUALS = re.compile(rf"\(*{_SIDE}\)*(?:::uuid)?\s=\s\(*{_SIDE}\)*")
# two tables' columns compared: the statement relates their rows
_RELATES = re.compile(r"\b(\w+)\.\w+\s(?:=|<>|<|>|<=|>=)\s\(*(\w+)\.\w+")
_CONDITIONS = (
    "Index Cond",
    "Recheck Cond",
    "Filter",
    "Join Filter",
    "Hash Cond",
    "Merge Cond",
    "One-Time Filter",
)
_PLANNED = re.compile(r"^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# two tables side by side in one FROM: what SQLAlchemy writes when a subquery names a table of
# a statement further out, which it correlates only to the statement right around it
_SIDE_BY_SIDE = re.compile(r"\bFROM\s+\w+(?:\s+AS\s+\w+)?\s*,\s*\w+", re.IGNORECASE)


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def untenanted_joins(conn: Any, statement: str, tenant_tables: set[str]) -> list[str]:
    """The pairs of tenant tables `statement` relates (a join, or a subquery's condition) whose
    tenants are not provably the same: equated directly, or each to the same parameter."""
    [[explained]] = conn.exec_driver_sql(
        # (`%`, the trigram operator, doubled: the owner's driver reads `%` as a placeholder)
        "EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) " + statement.replace("%", "%%")
    ).all()
    nodes = list(_walk(explained[0]["Plan"]))
    scans = {
        n["Alias"]: n["Relation Name"]
        for n in nodes
        if n.get("Relation Name") in tenant_tables and n["Node Type"] != "ModifyTable"
    }
    conditions = [node[key] for node in nodes for key in _CONDITIONS if key in node]
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in (pair for c in conditions for pair in _EQUALS.findall(c)):
        if a.endswith(".tenant_id") or b.endswith(".tenant_id"):
            parent[root(a)] = root(b)
    related = {
        tuple(sorted((a, b)))
        for c in conditions
        for a, b in _RELATES.findall(c)
        if a != b and a in scans and b in scans
    }
    return sorted(
        f"{scans[a]} {a} ~ {scans[b]} {b}"
        for a, b in related
        if root(f"{a}.tenant_id") != root(f"{b}.tenant_id")
    )


@contextmanager
def captured_statements() -> Iterator[set[str]]:
    """Every statement the app's engines send meanwhile (asyncpg's `$n` parameters): through
    SQLAlchemy, and on their connections by asyncpg itself (`core.prepared`'s hot paths)."""
    seen: set[str] = set()

    def keep(statement: str) -> None:
        if _PLANNED.match(statement) and "%(" not in statement:
            seen.add(statement)

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        keep(statement)

    def logged(query: LoggedQuery) -> None:
        keep(query.query)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        with logged_through(Pool, logged):
            yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _tenant_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(TENANT_TABLES).scalars())


def _offenders(engine: Engine, statements: set[str]) -> dict[str, list[str]]:
    tables = _tenant_tables(engine)
    found = {}
    with engine.connect() as conn:
        for statement in statements:
            try:
                tables_joined = untenanted_joins(conn, statement, tables)
            finally:
                conn.rollback()
            if tables_joined:
                found[statement] = tables_joined
    return found


@pytest.mark.parametrize(
    ("statement", "bad"),
    [
        (  # the tenant of one side only: the link may be another organisation's
            "SELECT v.id FROM conversions v JOIN links l ON l.id = v.link_id"
            " WHERE v.tenant_id = $1",
            ["links l ~ conversions v"],
        ),
        (
            "SELECT v.id FROM conversions v JOIN links l ON l.id = v.link_id",
            ["links l ~ conversions v"],
        ),
        (
            "SELECT v.id FROM conversions v"
            " WHERE EXISTS (SELECT 1 FROM clicks c WHERE c.id = v.click_id)",
            ["clicks c ~ conversions v"],
        ),
        (
            "SELECT v.id FROM conversions v JOIN links l"
            " ON l.tenant_id = v.tenant_id AND l.id = v.link_id",
            [],
        ),
        (  # both sides pinned to the same parameter
            "SELECT v.id FROM conversions v JOIN links l ON l.id = v.link_id"
            " WHERE v.tenant_id = $1 AND l.tenant_id = $1",
            [],
        ),
        (  # one table, any number of tenants: no join
            "SELECT tenant_id, count(*) FROM clicks GROUP BY tenant_id",
            [],
        ),
        (  # two tables side by side, unrelated: no join either
            "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM clicks)",
            [],
        ),
        ("SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id", []),  # tenants: global
    ],
)
def test_the_check_finds_a_join_that_forgets_the_tenant(
    owner_engine: Engine, statement: str, bad: list[str]
) -> None:
    assert _offenders(owner_engine, {statement}).get(statement, []) == bad


async def _at_work(
    app: FastAPI, make_client: ClientFactory, db_urls: DatabaseUrls
) -> tuple[list[Account], dict[str, str]]:
    """An organisation at work, through its API and the server's jobs run once each: a group,
    a webhook endpoint sent its test, sales through clicks (one a subscription's), a refund,
    commissions matured and paid out in a batch, clicks rolled up, the ledger sealed, an image
    for the product, an invitation. Its members, and the ids its pages take."""
    shop = await open_shop(await new_program(make_client), make_client)
    admin, affiliate = shop.program.admin, shop.affiliate
    tenant_id = uuid.UUID(admin.tenant_id)
    settings: Settings = app.state.settings
    group = await make_group(admin)
    assert (await move(admin, affiliate, group)).status_code == 201
    allowed = settings.model_copy(update={"webhooks_allow_private": True})  # the receiver's
    with contextmanager(serve)(Receiver()) as receiver:
        app.state.settings = allowed
        try:
            endpoint = (await register(admin, receiver.url, "product.approved"))["endpoint"]
        finally:
            app.state.settings = settings
        r = await admin.client.post(
            f"/api/v1/webhooks/endpoints/{endpoint['id']}/test", headers=admin.headers
        )
        assert r.status_code == 202, r.text
        delivery_id = r.json()["id"]
        sent = await attempt(app.state.db, allowed, tenant_id, uuid.UUID(delivery_id), utcnow())
        assert sent is not None
        assert len(receiver.requests()) == 1
    click = await shop.click(make_client())
    r = await shop.report(click_id=click, subscription_id="SUB-1")
    assert r.status_code == 201, r.text
    sale = r.json()["id"]
    r = await shop.refund(sale, amount_minor=1_000)
    assert r.status_code in (200, 201), r.text
    await earn(shop, make_client, db_urls, 1)
    assert (await commission_settings(admin, payout_threshold_minor=1_000)).status_code == 200
    assert (await set_payout_method(affiliate, method="paypal", email="a@pay.example")).is_success
    r = await admin.client.post("/api/v1/payout-batches", json={}, headers=admin.headers)
    assert r.status_code == 201, r.text
    batch_id = r.json()["id"]
    await rollups.roll_up(app.state.db)
    size, block = await ledger_jobs.seal_tenant(app.state.db, settings, tenant_id, admin.slug)
    assert block is not None
    vendor = shop.program.vendor
    r = await vendor.client.post(
        f"/api/v1/products/{shop.product['id']}/images",
        files={"file": ("cover.png", png(), "image/png")},
        headers=vendor.headers,
    )
    assert r.status_code == 201, r.text
    [image] = r.json()["images"]
    r = await shop.program.review(shop.product["id"], decision="approved", grade="A")
    assert r.status_code == 200, r.text  # an image is vetted like any edit
    invited = await admin.client.post(
        "/api/v1/invitations",
        json={"email": unique_email(), "role": "vendor"},
        headers=admin.headers,
    )
    assert invited.status_code == 201, invited.text

    async def first(path: str, key: str) -> str:
        r = await admin.client.get(path, headers=admin.headers)
        assert r.status_code == 200, r.text
        found = r.json()
        return str((found["items"] if isinstance(found, dict) else found)[0][key])

    return [admin, vendor, affiliate], {
        "product_id": shop.product["id"],
        "link_id": shop.link["id"],
        "conversion_id": sale,
        "subscription_id": "SUB-1",
        "affiliate_id": affiliate.id,
        "user_id": affiliate.id,
        "application_id": await first("/api/v1/recruiting/applications", "id"),
        "group_id": group["id"],
        "endpoint_id": endpoint["id"],
        "delivery_id": delivery_id,
        "batch_id": batch_id,
        "height": str(block.height),
        "transaction_id": await first("/api/v1/ledger/transactions", "id"),
        "code": await first("/api/v1/ledger/accounts", "code"),
        "slug": admin.slug,
        "image_id": image["id"],
        "token": invited.json()["accept_url"].rsplit("/", 1)[1],
        "level": "0",  # the log's first tile of hashes, and of entries, partial (RFC 6962 tiles)
        "path": "000" if size >= 256 else f"000.p/{size}",
    }


async def _served(app: FastAPI, make_client: ClientFactory, db_urls: DatabaseUrls) -> set[str]:
    """The statements the app and its jobs send for an organisation at work (`_at_work`), a
    search, and a GET of every page each of its members may read, ids filled in (the public
    pages too: an invitation's, the log's tiles, a product's image). None may answer with a
    server error."""
    pages = [
        path
        for path, item in app.openapi()["paths"].items()
        if "get" in item
        and path.startswith("/api/v1/")
        and not path.endswith("/stream")  # an event stream: it answers until the client leaves
    ]
    with captured_statements() as statements:
        members, ids = await _at_work(app, make_client, db_urls)
        paths = [
            path.format(**ids)
            for path in pages
            if all(name in ids for name in re.findall(r"\{(\w+)\}", path))
        ]
        for account in members:
            for path in paths:
                r = await account.client.get(path, headers=account.headers)
                assert r.status_code < 500, f"{path} as {account.user['role']}: {r.text}"
        affiliate = members[-1]
        await affiliate.client.get(  # answered in front of the framework
            "/api/v1/products/search", params={"q": "course"}, headers=affiliate.headers
        )
    statements.add(INSERT_CLICKS)  # the click recorder's own connection, not the engine's
    assert len(statements) > 100, "few statements captured: is the capture still right?"
    return statements


async def test_no_statement_the_app_sends_joins_two_tenants(
    app: FastAPI, make_client: ClientFactory, db_urls: DatabaseUrls, owner_engine: Engine
) -> None:
    # given: the statements the app sends while serving an organisation
    statements = await _served(app, make_client, db_urls)

    # when: each statement is planned without row security
    offenders = _offenders(owner_engine, statements)

    # then: every join among tenant tables stays within one tenant
    assert not offenders, "\n\n".join(f"{tables}:\n{s}" for s, tables in offenders.items())


@pytest.mark.parametrize(
    ("statement", "side_by_side"),
    [
        (  # the rollup mark as it was: `products` again, beside the mark's own table
            "SELECT p.id, (SELECT coalesce((SELECT click_rollups.rolled_until"
            " FROM click_rollups, products WHERE click_rollups.tenant_id = products.tenant_id),"
            " now())) FROM products AS p",
            True,
        ),
        ("SELECT a.id FROM links AS a, clicks WHERE a.id = clicks.link_id", True),
        (
            "SELECT p.id, (SELECT r.rolled_until FROM click_rollups AS r"
            " WHERE r.tenant_id = p.tenant_id) FROM products AS p",
            False,
        ),
        ("SELECT l.id FROM links AS l JOIN clicks AS c ON c.link_id = l.id", False),
    ],
)
def test_the_check_finds_tables_side_by_side(statement: str, side_by_side: bool) -> None:
    assert bool(_SIDE_BY_SIDE.search(statement)) is side_by_side


async def test_every_subquery_reads_the_row_around_it(
    app: FastAPI, make_client: ClientFactory, db_urls: DatabaseUrls
) -> None:
    # given: the statements the app sends while serving an organisation
    statements = await _served(app, make_client, db_urls)

    # then: none lists two tables side by side. A subquery that names a table of a statement
    # further out than the one right around it reads that whole table again, beside its own,
    # instead of the row at hand (unless told to correlate: `correlate_except`)
    found = sorted(s for s in statements if _SIDE_BY_SIDE.search(s))
    assert not found, "\n\n".join(found)
