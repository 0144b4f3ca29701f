"""Make organisations and users through the public API, as real users would."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "quartz-lagoon-ember-93"


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


async def signup_affiliate(
    client: httpx.AsyncClient, slug: str, *, referral_code: str | None = None, **overrides: Any
) -> Account:
    body = {
        "name": "Aff Iliate",
        "email": unique_email("aff"),
        "password": PASSWORD,
        "referral_code": referral_code,
        **overrides,
    }
    r = await client.post(f"/api/v1/public/tenants/{slug}/affiliates", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    return Account(client, data["access_token"], data["user"])


async def invite_and_accept(
    admin: Account, client: httpx.AsyncClient, role: str = "vendor", name: str = "Ven Dor"
) -> Account:
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
