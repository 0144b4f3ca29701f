"""Group test helpers: making groups and moving affiliates, as an organisation's admin."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Account


def terms(**changes: Any) -> dict[str, Any]:
    """A group's terms: "VIP partners" at 30%, unless told otherwise."""
    return {"name": "VIP partners", "commission_bps": 3_000, **changes}


async def make_group(admin: Account, **changes: Any) -> dict[str, Any]:
    r = await admin.client.post("/api/v1/groups", json=terms(**changes), headers=admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def move(
    admin: Account, affiliate: Account, group: dict[str, Any] | None, note: str = ""
) -> httpx.Response:
    body = {"affiliate_id": affiliate.id, "group_id": group["id"] if group else None, "note": note}
    return await admin.client.post("/api/v1/groups/moves", json=body, headers=admin.headers)


async def groups(admin: Account) -> list[dict[str, Any]]:
    r = await admin.client.get("/api/v1/groups", headers=admin.headers)
    assert r.status_code == 200, r.text
    return list(r.json())
