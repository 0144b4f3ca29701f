"""Clicks are announced in aggregate: each batch written tells every affiliate it concerns how
many clicks their links got (`click.recorded`), not one event a click."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.conftest import ClientFactory
from tests.events import announced
from tests.factories import BROWSER, Program
from tests.tracking.support import live_link, stored_clicks, tenant_of


async def test_an_affiliates_clicks_are_announced_to_them_in_aggregate(
    program: Program, make_client: ClientFactory, owner_engine: Engine
) -> None:
    # given two of an affiliate's links
    first, second = await live_link(program), await live_link(program)

    # when two people click the first, one the second, and a crawler the first
    for link in (first, first, second):
        await make_client().get(f"/r/{link['code']}", headers={"user-agent": BROWSER})
    await make_client().get(f"/r/{first['code']}", headers={"user-agent": "Googlebot/2.1"})
    assert len(stored_clicks(owner_engine, first)) == 3

    # then the affiliate heard of them, however the batches fell, per link
    told = announced(owner_engine, str(tenant_of(owner_engine, first)), "click.recorded")
    assert {tuple(e["topics"]) for e in told} == {(f"user:{program.affiliate.id}",)}
    totals = {key: sum(e["data"][key] for e in told) for key in ("clicks", "human", "unique")}
    assert totals == {"clicks": 4, "human": 3, "unique": 3}
    per_link: dict[str, int] = {}
    for e in told:
        for link in e["data"]["links"]:
            per_link[link["link_id"]] = per_link.get(link["link_id"], 0) + link["clicks"]
    assert per_link == {first["id"]: 3, second["id"]: 1}
