"""Set-up shared by catalog and tracking tests: an organisation with a vendor and an affiliate."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.accounts.factories import Account, invite_and_accept, signup_affiliate, signup_org
from tests.conftest import ClientFactory


def product(**overrides: Any) -> dict[str, Any]:
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
    affiliate = await signup_affiliate(make_client(), admin.slug)
    return Program(admin, vendor, affiliate)
