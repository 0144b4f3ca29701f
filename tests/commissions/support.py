"""A program with sales: a vendor with a conversions key, an affiliate referred by an upline,
a live link, and clicks through the real redirect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import ClientFactory
from tests.factories import BROWSER, Account, Program, bearer, signup_affiliate


async def api_key(account: Account, scope: str = "conversions:write", mode: str = "live") -> str:
    r = await account.client.post(
        "/api/v1/api-keys",
        json={"name": "Shop", "scope": scope, "mode": mode},
        headers=account.headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


async def settings(admin: Account, **changes: Any) -> httpx.Response:
    return await admin.client.patch("/api/v1/tenant/settings", json=changes, headers=admin.headers)


@dataclass
class Shop:
    """`program.affiliate` was referred by `upline`; `link` points at `product`."""

    program: Program
    upline: Account
    affiliate: Account
    product: dict[str, Any]
    link: dict[str, Any]
    key: str

    async def click(self, visitor: httpx.AsyncClient, link: dict[str, Any] | None = None) -> str:
        code = (link or self.link)["code"]
        r = await visitor.get(f"/r/{code}", headers={"user-agent": BROWSER})
        assert r.status_code == 302, r.text
        return parse_qs(urlsplit(r.headers["location"]).query)["bnx_cid"][0]

    async def report(self, key: str | None = None, **body: Any) -> httpx.Response:
        sale = {"order_id": "A-1", "amount_minor": 10_000, "currency": "USD", **body}
        return await self.program.vendor.client.post(
            "/api/v1/conversions", json=sale, headers=bearer(key or self.key)
        )

    async def refund(self, conversion_id: str, **body: Any) -> httpx.Response:
        return await self.program.vendor.client.post(
            f"/api/v1/conversions/{conversion_id}/refunds",
            json={"refund_id": "R-1", **body},
            headers=bearer(self.key),
        )

    async def balances(self, account: Account) -> dict[str, int]:
        r = await account.client.get("/api/v1/commissions/balances", headers=account.headers)
        assert r.status_code == 200, r.text
        [usd] = r.json()
        return {k.removesuffix("_minor"): v for k, v in usd.items() if k != "currency"}


async def open_shop(
    program: Program,
    make_client: ClientFactory,
    *,
    fee_bps: int = 1_000,
    levels: list[int] | None = None,
    **product: Any,
) -> Shop:
    """Program settings: a 10% platform fee and a 10% level-1 override, unless told otherwise,
    and only the self-referral and shared-address fraud rules on (tests click and buy at once,
    and sell by coupon without clicks); the product pays 20% unless told otherwise."""
    r = await settings(
        program.admin,
        platform_fee_bps=fee_bps,
        override_bps=levels or [1_000],
        fraud_min_click_seconds=0,
        fraud_hold_coupon_without_click=False,
    )
    assert r.status_code == 200, r.text
    upline = program.affiliate
    affiliate = await signup_affiliate(
        make_client(), program.admin.slug, referral_code=upline.user["referral_code"]
    )
    made = await program.approved(
        landing_url="https://shop.example/course", commission={"bps": 2_000}, **product
    )
    r = await affiliate.client.post(
        "/api/v1/links", json={"product_id": made["id"]}, headers=affiliate.headers
    )
    assert r.status_code == 201, r.text
    key = await api_key(program.vendor)
    return Shop(program, upline, affiliate, made, r.json(), key)
