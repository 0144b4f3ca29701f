"""Factories shared by every domain's tests: organisations, users, products and ledgers made as
real users (through the public API) or the server (through its services) make them.

Each is a small async function: `admin = await signup_org(client)`,
`product = await program.approved(price_minor=1_999)`. A helper one domain alone uses stays in that
domain's `support.py`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from PIL import Image
from sqlalchemy import Engine, create_engine, text

from bitnexus.commissions import jobs
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import service, signing, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P

if TYPE_CHECKING:
    from tests.commissions.support import Shop
    from tests.conftest import ClientFactory

PASSWORD = "quartz-lagoon-ember-93"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/150 Safari/537.36"


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of an access token or an API key."""
    return {"Authorization": f"Bearer {secret}"}


# ---- organisations and users ----


@dataclass
class Account:
    """A logged-in user: their client carries the refresh cookie, `headers` the access token."""

    client: httpx.AsyncClient
    token: str
    user: dict[str, Any]
    password: str = PASSWORD
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def email(self) -> str:
        return str(self.user["email"])

    @property
    def slug(self) -> str:
        return str(self.user["tenant"]["slug"])

    @property
    def tenant_id(self) -> str:
        return str(self.user["tenant"]["id"])


def unique_slug(prefix: str = "org") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def signup_org(client: httpx.AsyncClient, **overrides: Any) -> Account:
    """A new organisation, signed up by its admin (returned, logged in)."""
    body = {
        "organisation_name": "Test Org",
        "slug": unique_slug(),
        "name": "Org Admin",
        "email": unique_email("admin"),
        "password": PASSWORD,
        **overrides,
    }
    r = await client.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    return Account(client, data["access_token"], data["user"])


_owner: list[Engine] = []


def read_mail_from(urls: DatabaseUrls) -> None:
    """Where factories read the development mailbox and set an organisation's auto-approve rule
    (as the database owner) when no admin of the organisation is at hand: set once by the
    `db_urls` fixture."""
    if not _owner:
        _owner.append(create_engine(urls.owner, pool_size=1))


def last_mail(to: str) -> str:
    """The body of the newest mail the server sent to `to`."""
    with _owner[0].connect() as conn:
        return str(
            conn.execute(
                text("SELECT body FROM dev_mailbox WHERE recipient = :to ORDER BY id DESC LIMIT 1"),
                {"to": to.lower()},
            ).scalar_one()
        )


def signup_link_token(body: str) -> str:
    match = re.search(r"/join/confirm\?token=(\S+)", body)
    assert match, body
    return match.group(1)


async def mail_read_by(admin: Account, to: str) -> str:
    """The body of the newest mail to `to` in `admin`'s organisation, read as that admin from
    the development mailbox of the server `admin` talks to."""
    r = await admin.client.get("/api/v1/dev/mailbox", headers=admin.headers)
    assert r.status_code == 200, r.text
    return next(str(m["body"]) for m in r.json() if m["to"] == to.lower())


def auto_approve_all(slug: str) -> None:
    """Organisation `slug` approves every application at once, unless its admins chose a rule
    (set as the database owner, for a test that has no admin of the organisation at hand)."""
    with _owner[0].begin() as conn:
        conn.execute(
            text(
                "INSERT INTO recruiting_rules (tenant_id, auto_approve, domains, updated_at) "
                "SELECT id, 'all', '{}', now() FROM tenants WHERE slug = :slug "
                "ON CONFLICT (tenant_id) DO NOTHING"
            ),
            {"slug": slug},
        )


async def approve_application(admin: Account, email: str) -> None:
    """`admin` approves the pending application of `email`, if one waits (an auto-approve rule
    may have approved it already)."""
    r = await admin.client.get(
        "/api/v1/recruiting/applications?status=pending", headers=admin.headers
    )
    assert r.status_code == 200, r.text
    for application in r.json()["items"]:
        if application["email"] == email.lower():
            r = await admin.client.post(
                f"/api/v1/recruiting/applications/{application['id']}/approve",
                headers=admin.headers,
            )
            assert r.status_code == 200, r.text


async def signup_affiliate(
    client: httpx.AsyncClient,
    slug: str,
    *,
    referral_code: str | None = None,
    admin: Account | None = None,
    **overrides: Any,
) -> Account:
    """An affiliate who applied to organisation `slug` on its join page, was approved and
    finished with the link mailed to them. The organisation's `admin`, when given, approves
    the application and reads the mail; else the organisation approves every application (see
    `auto_approve_all`) and the mail is read from the session's database. `overrides` may add
    `answers` and `accept_terms_version` for an organisation that asks questions or has
    terms."""
    password = overrides.pop("password", PASSWORD)
    body = {
        "name": "Aff Iliate",
        "email": unique_email("aff"),
        "referral_code": referral_code,
        **overrides,
    }
    if admin is None:
        auto_approve_all(slug)
    r = await client.post(f"/api/v1/public/tenants/{slug}/applications", json=body)
    assert r.status_code == 202, r.text
    if admin is not None:
        await approve_application(admin, body["email"])
    mail = await mail_read_by(admin, body["email"]) if admin else last_mail(body["email"])
    token = signup_link_token(mail)
    r = await client.post(
        "/api/v1/public/signups/confirm", json={"token": token, "password": password}
    )
    assert r.status_code == 201, r.text
    data = r.json()
    return Account(client, data["access_token"], data["user"])


async def invite_and_accept(
    admin: Account, client: httpx.AsyncClient, role: str = "vendor", name: str = "Ven Dor"
) -> Account:
    """A user `admin` invited with `role`, who accepted in `client`."""
    r = await admin.client.post(
        "/api/v1/invitations",
        json={"email": unique_email(role), "role": role},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    token = r.json()["accept_url"].rsplit("/", 1)[1]
    r = await client.post(
        f"/api/v1/public/invitations/{token}/accept", json={"name": name, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    data = r.json()
    return Account(client, data["access_token"], data["user"], extra={"invite_token": token})


async def login(
    client: httpx.AsyncClient, slug: str, email: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"organisation": slug, "email": email, "password": password}
    )


# ---- a program: an organisation with a vendor's products and an affiliate ----


def product(**overrides: Any) -> dict[str, Any]:
    """The body of a product a vendor lists."""
    return {
        "title": "Python for Data Science",
        "description": "A course.",
        "category": "Courses",
        "tags": ["python", "Data"],
        "price_minor": 4_900,
        "currency": "USD",
        "landing_url": "https://vendor.example/courses/python",
        **overrides,
    }


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


class Program:
    def __init__(self, admin: Account, vendor: Account, affiliate: Account) -> None:
        self.admin, self.vendor, self.affiliate = admin, vendor, affiliate

    async def listed(self, **overrides: Any) -> dict[str, Any]:
        r = await self.vendor.client.post(
            "/api/v1/products", json=product(**overrides), headers=self.vendor.headers
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def review(self, product_id: str, **body: Any) -> Any:
        return await self.admin.client.post(
            f"/api/v1/products/{product_id}/review", json=body, headers=self.admin.headers
        )

    async def approved(self, grade: str = "A", **overrides: Any) -> dict[str, Any]:
        product = await self.listed(**overrides)
        r = await self.review(product["id"], decision="approved", grade=grade)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def market(self, query: str = "") -> dict[str, Any]:
        r = await self.affiliate.client.get(
            f"/api/v1/marketplace{query}", headers=self.affiliate.headers
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


async def new_program(make_client: ClientFactory) -> Program:
    """An organisation with its admin, a vendor and an affiliate, each logged in."""
    admin = await signup_org(make_client())
    vendor = await invite_and_accept(admin, make_client(), role="vendor")
    affiliate = await signup_affiliate(make_client(), admin.slug, admin=admin)
    return Program(admin, vendor, affiliate)


# ---- money earned and paid out ----


async def earn(
    shop: Shop, make_client: ClientFactory, db_urls: DatabaseUrls, sales: int, batch: str = "P"
) -> None:
    """`sales` matured sales: the affiliate has 1,600 available for each, the upline 200."""
    for n in range(sales):
        r = await shop.report(order_id=f"{batch}-{n}", click_id=await shop.click(make_client()))
        assert r.status_code == 201, r.text
    db = Database(db_urls.app)
    try:
        await jobs.mature(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    finally:
        await db.dispose()


async def set_payout_method(who: Account, **details: Any) -> httpx.Response:
    return await who.client.put(
        "/api/v1/payouts/method", json={"details": details}, headers=who.headers
    )


# ---- a ledger written straight through the ledger's service ----


async def make_ledger(
    db_urls: DatabaseUrls,
    settings: Settings,
    admin: Account,
    sales: int,
    *,
    seal_at: tuple[int, ...],
) -> list[str]:
    """`sales` sales on `admin`'s organisation's ledger (vendor:1:receivable to
    affiliate:1:pending, 1000 + n), sealed after each count in `seal_at`; their ids."""
    db = Database(db_urls.app, pool_size=2)
    tid = uuid.UUID(admin.tenant_id)
    ids: list[str] = []
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await service.open_account(
                s, tid, code="vendor:1:receivable", kind=AccountKind.asset, currency="USD"
            )
            await service.open_account(
                s, tid, code="affiliate:1:pending", kind=AccountKind.liability, currency="USD"
            )
        for i in range(sales):
            async with db.sessionmaker() as s, s.begin():
                await set_tenant(s, tid)
                posted = await service.post_transaction(
                    s,
                    tid,
                    idempotency_key=f"sale-{i}",
                    description=f"Sale {i}",
                    postings=[
                        P("vendor:1:receivable", 1000 + i, "USD"),
                        P("affiliate:1:pending", -1000 - i, "USD"),
                    ],
                )
                ids.append(str(posted.id))
            if i + 1 in seal_at:
                async with db.sessionmaker() as s, s.begin():
                    await set_tenant(s, tid)
                    await tree.integrate(s, tid)
                    identity = await signing.identity_for(s, settings, tid, admin.slug)
                    await tree.seal(s, tid, identity)
    finally:
        await db.dispose()
    return ids


async def log_identity_of(
    db_urls: DatabaseUrls, settings: Settings, admin: Account
) -> tree.LogIdentity:
    """The origin and current signing key of `admin`'s organisation's ledger."""
    db = Database(db_urls.app, pool_size=1)
    tid = uuid.UUID(admin.tenant_id)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            return await signing.identity_for(s, settings, tid, admin.slug)
    finally:
        await db.dispose()


async def rotate_key(db_urls: DatabaseUrls, settings: Settings, admin: Account) -> str:
    """Rotate the signing key of `admin`'s organisation (as `bitnexus ledger rotate-key`
    does); the new verifier key."""
    db = Database(db_urls.app, pool_size=1)
    tid = uuid.UUID(admin.tenant_id)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            return (await signing.rotate(s, settings, tid, admin.slug)).new_key
    finally:
        await db.dispose()
