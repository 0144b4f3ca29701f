"""Helpers of the content tests: a program with an approved product, and calls to the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Account, Program

DESCRIPTION = (
    "Twelve modules on pandas and plotting. Exercises after every module. "
    "Lifetime access to the videos."
)


async def approved_product(program: Program, **overrides: Any) -> dict[str, Any]:
    return await program.approved(description=DESCRIPTION, **overrides)


async def generate(who: Account, product_id: str, **body: Any) -> httpx.Response:
    return await who.client.post(
        "/api/v1/content/generations",
        json={"product_id": product_id, "platform": "x", **body},
        headers=who.headers,
    )


async def set_content_settings(admin: Account, **settings: Any) -> None:
    r = await admin.client.patch("/api/v1/tenant/settings", json=settings, headers=admin.headers)
    assert r.status_code == 200, r.text


async def credits_of(who: Account) -> dict[str, Any]:
    r = await who.client.get("/api/v1/content/credits", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def history_of(who: Account, query: str = "") -> list[dict[str, Any]]:
    r = await who.client.get(f"/api/v1/content/generations{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def links_of(who: Account, product_id: str) -> list[dict[str, Any]]:
    r = await who.client.get(f"/api/v1/links?product_id={product_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]
