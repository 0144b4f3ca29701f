"""Tracked links through the API: codes, aliases, deep links, pause/resume/delete, QR codes."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from bitnexus.tracking.service.links import on_site
from tests.conftest import ClientFactory
from tests.factories import Account, Program, new_program, signup_affiliate


async def _link(affiliate: Account, product_id: str, **body: Any) -> Any:
    return await affiliate.client.post(
        "/api/v1/links", json={"product_id": product_id, **body}, headers=affiliate.headers
    )


async def test_an_affiliate_makes_a_link_with_a_random_code_and_an_alias(program: Program) -> None:
    product = await program.approved(landing_url="https://shop.example/course")
    r = await _link(
        program.affiliate,
        product["id"],
        alias="Spring-Sale",
        utm_source="newsletter",
        utm_campaign="spring",
        sub_ids=["list-a", "b2"],
    )
    assert r.status_code == 201, r.text
    link = r.json()
    assert re.fullmatch(r"[A-Za-z0-9]{12}", link["code"])
    assert link["short_url"].endswith(f"/r/{link['code']}")
    assert link["alias"] == "spring-sale"
    assert link["alias_url"].endswith(f"/r/{program.admin.slug}/spring-sale")
    assert link["destination"] == "https://shop.example/course"
    assert (link["utm_source"], link["utm_campaign"], link["sub_ids"]) == (
        "newsletter",
        "spring",
        ["list-a", "b2"],
    )
    again = await _link(program.affiliate, product["id"], alias="spring-sale")
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "alias"
    other = await _link(program.affiliate, product["id"])
    assert other.json()["code"] != link["code"]


async def test_the_same_alias_is_free_in_another_program(
    program: Program, make_client: ClientFactory
) -> None:
    other = await new_program(make_client)
    mine = await program.approved()
    theirs = await other.approved()
    assert (await _link(program.affiliate, mine["id"], alias="promo")).status_code == 201
    assert (await _link(other.affiliate, theirs["id"], alias="promo")).status_code == 201


async def test_deep_links_stay_on_the_products_site(program: Program) -> None:
    product = await program.approved(landing_url="https://shop.example/course")
    sub = await _link(program.affiliate, product["id"], deep_link="https://blog.shop.example/post")
    assert sub.status_code == 201
    assert sub.json()["destination"] == "https://blog.shop.example/post"
    for away in (
        "https://evil.example/",
        "https://shop.example.evil.example/",
        "https://notshop.example/",
        "http://shop.example/course",
        "https://shop.example:8443/course",
    ):
        r = await _link(program.affiliate, product["id"], deep_link=away)
        assert r.status_code == 422, away
        assert r.json()["errors"][0]["field"] == "deep_link"


@pytest.mark.parametrize(
    ("url", "landing", "on"),
    [
        pytest.param("https://shop.example/x", "https://shop.example/course", True, id="same"),
        pytest.param("https://blog.shop.example/", "https://shop.example/", True, id="subdomain"),
        pytest.param("HTTPS://SHOP.example/", "https://shop.example/", True, id="case"),
        pytest.param("https://shop.example:443/", "https://shop.example/", True, id="https-443"),
        pytest.param("http://shop.example:80/", "http://shop.example/", True, id="http-80"),
        pytest.param(
            "http://shop.example:8080/", "http://shop.example:8080/", True, id="same-port"
        ),
        pytest.param("http://shop.example/", "https://shop.example/", False, id="other-scheme"),
        pytest.param("https://shop.example/", "http://shop.example/", False, id="scheme-down"),
        pytest.param("https://shop.example:8443/", "https://shop.example/", False, id="other-port"),
        pytest.param("http://shop.example/", "http://shop.example:8080/", False, id="no-port"),
        pytest.param("https://shop.example:443/", "http://shop.example:443/", False, id="443"),
        pytest.param("null", "https://shop.example/", False, id="null"),
        pytest.param(
            "https://shop.example.evil.example/", "https://shop.example/", False, id="lookalike"
        ),
        pytest.param("https://evilshop.example/", "https://shop.example/", False, id="suffix"),
        pytest.param("ftp://shop.example/", "https://shop.example/", False, id="ftp"),
        pytest.param("https://shop.example:99999/", "https://shop.example/", False, id="bad-port"),
    ],
)
def test_on_site_compares_scheme_host_and_port(url: str, landing: str, on: bool) -> None:
    assert on_site(url, landing) is on


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"alias": "-bad"}, "alias"),
        ({"alias": "a"}, "alias"),
        ({"alias": "has space"}, "alias"),
        ({"utm_source": "x" * 101}, "utm_source"),
        ({"sub_ids": ["a"] * 6}, "sub_ids"),
        ({"sub_ids": ["no spaces"]}, "sub_ids.0"),
        ({"deep_link": "ftp://shop.example/"}, "deep_link"),
        ({"product_id": "nope"}, "product_id"),
    ],
)
async def test_bad_links_are_refused_naming_the_field(
    program: Program, body: dict[str, Any], field: str
) -> None:
    product = await program.approved()
    r = await program.affiliate.client.post(
        "/api/v1/links",
        json={"product_id": product["id"], **body},
        headers=program.affiliate.headers,
    )
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}
    listed = await program.affiliate.client.get("/api/v1/links", headers=program.affiliate.headers)
    assert listed.json()["items"] == []


async def test_only_approved_products_and_only_affiliates(program: Program) -> None:
    pending = await program.listed()
    r = await _link(program.affiliate, pending["id"])
    assert r.status_code == 404
    approved = await program.approved()
    r = await program.vendor.client.post(
        "/api/v1/links", json={"product_id": approved["id"]}, headers=program.vendor.headers
    )
    assert r.status_code == 403


async def test_pause_resume_delete_and_who_may(
    program: Program, make_client: ClientFactory
) -> None:
    product = await program.approved()
    link = (await _link(program.affiliate, product["id"])).json()
    url = f"/api/v1/links/{link['id']}"
    a = program.affiliate
    paused = await a.client.patch(url, json={"status": "paused"}, headers=a.headers)
    assert paused.json()["status"] == "paused"
    resumed = await a.client.patch(url, json={"status": "active"}, headers=a.headers)
    assert resumed.json()["status"] == "active"
    bad = await a.client.patch(url, json={"status": "deleted"}, headers=a.headers)
    assert bad.status_code == 422

    rival = await signup_affiliate(make_client(), program.admin.slug)
    assert (await rival.client.get(url, headers=rival.headers)).status_code == 404
    r = await rival.client.patch(url, json={"status": "paused"}, headers=rival.headers)
    assert r.status_code == 404
    assert (await rival.client.delete(url, headers=rival.headers)).status_code == 404
    assert (await rival.client.get(f"{url}/qr", headers=rival.headers)).status_code == 404
    assert (await rival.client.get("/api/v1/links", headers=rival.headers)).json()["items"] == []
    everyone = await program.admin.client.get("/api/v1/links", headers=program.admin.headers)
    assert [x["id"] for x in everyone.json()["items"]] == [link["id"]]

    deleted = await a.client.delete(url, headers=a.headers)
    assert deleted.json()["status"] == "deleted"
    assert (
        await a.client.patch(url, json={"status": "active"}, headers=a.headers)
    ).status_code == 409
    assert (await a.client.get("/api/v1/links", headers=a.headers)).json()["items"] == []
    kept = await a.client.get("/api/v1/links?include_deleted=true", headers=a.headers)
    assert [x["status"] for x in kept.json()["items"]] == ["deleted"]


async def test_qr_codes_in_the_brand_colour(program: Program) -> None:
    await program.admin.client.patch(
        "/api/v1/tenant/settings", json={"brand_color": "#0E7A3B"}, headers=program.admin.headers
    )
    product = await program.approved()
    link = (await _link(program.affiliate, product["id"])).json()
    a = program.affiliate
    svg = await a.client.get(f"/api/v1/links/{link['id']}/qr", headers=a.headers)
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "#0e7a3b" in svg.text.lower()
    png = await a.client.get(f"/api/v1/links/{link['id']}/qr?format=png&scale=4", headers=a.headers)
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1] > 80  # modules × 4 px + border
    assert (
        await a.client.get(f"/api/v1/links/{link['id']}/qr?scale=0", headers=a.headers)
    ).status_code == 422


async def test_links_page_newest_first(program: Program) -> None:
    product = await program.approved()
    made = [(await _link(program.affiliate, product["id"])).json()["id"] for _ in range(3)]
    a = program.affiliate
    first = (await a.client.get("/api/v1/links?limit=2", headers=a.headers)).json()
    rest = (
        await a.client.get(
            f"/api/v1/links?limit=2&cursor={first['next_cursor']}", headers=a.headers
        )
    ).json()
    assert [x["id"] for x in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None
