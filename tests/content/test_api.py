"""Generating posts through the API: the affiliate's link, the disclosure, the limits, the
history and who may see it, and bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.content.support import (
    approved_product,
    credits_of,
    generate,
    history_of,
    links_of,
    set_content_settings,
)
from tests.factories import Program, signup_affiliate


async def test_a_post_embeds_a_new_link_and_the_disclosure_within_x_limits(
    program: Program,
) -> None:
    # given an affiliate with no link to an approved product yet
    product = await approved_product(program)
    assert await links_of(program.affiliate, product["id"]) == []

    # when they generate an X post
    r = await generate(program.affiliate, product["id"], tone="enthusiastic", length="long")

    # then a link was made for them, and the post carries it and "#ad" within 280
    assert r.status_code == 201, r.text
    post = r.json()
    (link,) = await links_of(program.affiliate, product["id"])
    assert post["short_url"] == link["short_url"]
    assert f"{link['short_url']} #ad" in post["text"]
    assert post["limit"] == 280
    assert post["counted_length"] <= 280
    assert post["provider"] == "template"
    assert post["credits"] == 1
    assert "Python for Data Science" in post["text"]


async def test_the_affiliates_existing_link_is_reused(program: Program) -> None:
    product = await approved_product(program)
    r = await program.affiliate.client.post(
        "/api/v1/links", json={"product_id": product["id"]}, headers=program.affiliate.headers
    )
    existing = r.json()["short_url"]

    first = (await generate(program.affiliate, product["id"])).json()
    second = (await generate(program.affiliate, product["id"], platform="linkedin")).json()

    assert first["short_url"] == second["short_url"] == existing
    assert len(await links_of(program.affiliate, product["id"])) == 1


@pytest.mark.parametrize(
    ("platform", "limit"),
    [
        ("x", 280),
        ("linkedin", 3_000),
        ("instagram", 2_200),
        ("facebook", 63_206),
        ("tiktok", 4_000),
        ("youtube", 5_000),
        ("email", 10_000),
        ("banner", 90),
    ],
)
async def test_every_platform_fits_its_limit(program: Program, platform: str, limit: int) -> None:
    product = await approved_product(program, tags=["python", "data", "pandas"])

    r = await generate(program.affiliate, product["id"], platform=platform, length="long")

    assert r.status_code == 201, r.text
    post = r.json()
    assert post["limit"] == limit
    assert post["counted_length"] <= limit
    assert post["short_url"] in post["text"]
    assert "#ad" in post["text"]
    if platform == "email":
        assert post["subject"]
        assert len(post["subject"]) <= post["subject_limit"] == 78
    if platform == "instagram":
        assert re.search(r"#Python\b", post["text"])


async def test_the_organisations_disclosure_is_on_every_post(program: Program) -> None:
    product = await approved_product(program)
    await set_content_settings(program.admin, content_disclosure="Ad: I earn a commission")

    post = (await generate(program.affiliate, product["id"], platform="banner")).json()

    assert post["text"].endswith(f"{post['short_url']} Ad: I earn a commission")  # no tags
    assert post["counted_length"] <= 90


async def test_history_shows_affiliates_their_own_and_admins_everyones(
    program: Program, make_client: ClientFactory
) -> None:
    # given two affiliates of one organisation who each generated a post
    product = await approved_product(program)
    other = await signup_affiliate(make_client(), program.admin.slug, admin=program.admin)
    mine = (await generate(program.affiliate, product["id"])).json()
    theirs = (await generate(other, product["id"], platform="email")).json()

    # then each affiliate sees only their own, the admin both, newest first
    assert [g["id"] for g in await history_of(program.affiliate)] == [mine["id"]]
    assert [g["id"] for g in await history_of(other)] == [theirs["id"]]
    assert [g["id"] for g in await history_of(program.admin)] == [theirs["id"], mine["id"]]
    assert await history_of(program.admin, f"?product_id={product['id']}&limit=1") == [theirs]
    r = await program.vendor.client.get(
        "/api/v1/content/generations", headers=program.vendor.headers
    )
    assert r.status_code == 403


async def test_history_pages_with_a_cursor(program: Program) -> None:
    product = await approved_product(program)
    made = [(await generate(program.affiliate, product["id"])).json()["id"] for _ in range(3)]

    r = await program.affiliate.client.get(
        "/api/v1/content/generations?limit=2", headers=program.affiliate.headers
    )
    first = r.json()
    r = await program.affiliate.client.get(
        f"/api/v1/content/generations?limit=2&cursor={first['next_cursor']}",
        headers=program.affiliate.headers,
    )

    assert [g["id"] for g in first["items"] + r.json()["items"]] == made[::-1]
    assert r.json()["next_cursor"] is None


async def test_options_list_platform_limits_and_the_disclosure(program: Program) -> None:
    r = await program.affiliate.client.get(
        "/api/v1/content/options", headers=program.affiliate.headers
    )

    options = r.json()
    x = next(p for p in options["platforms"] if p["platform"] == "x")
    assert (x["limit"], x["counts_urls_as"]) == (280, 23)
    assert options["disclosure"] == "#ad"
    assert options["provider"] == "template"
    assert "key" not in r.text.lower()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"platform": "myspace"}, 422, "platform", id="unknown-platform"),
        pytest.param({"tone": "angry"}, 422, "tone", id="unknown-tone"),
        pytest.param({"length": "huge"}, 422, "length", id="unknown-length"),
        pytest.param({"product_id": "not-a-uuid"}, 422, "product_id", id="bad-product-id"),
        pytest.param(
            {"product_id": "00000000-0000-4000-8000-000000000000"},
            404,
            "product_id",
            id="unknown-product",
        ),
        pytest.param({"extra": 1}, 422, "extra", id="unknown-field"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_costs_nothing(
    program: Program, body: dict[str, Any], status: int, field: str
) -> None:
    product = await approved_product(program)

    r = await generate(program.affiliate, **{"product_id": product["id"], **body})

    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field
    assert (await credits_of(program.affiliate))["used"] == 0
    assert await history_of(program.affiliate) == []


async def test_a_product_not_approved_cannot_be_promoted(program: Program) -> None:
    pending = await program.listed()

    r = await generate(program.affiliate, pending["id"])

    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] == "product_id"


@pytest.mark.parametrize("role", ["admin", "vendor"])
async def test_only_affiliates_generate(program: Program, role: str) -> None:
    product = await approved_product(program)

    r = await generate(getattr(program, role), product["id"])

    assert r.status_code == 403
    assert (await credits_of(program.admin))["used"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"content_credits_monthly": -1}, "content_credits_monthly", id="negative"),
        pytest.param(
            {"content_credits_monthly": 1_000_001}, "content_credits_monthly", id="too-many"
        ),
        pytest.param({"content_disclosure": ""}, "content_disclosure", id="empty-disclosure"),
        pytest.param({"content_disclosure": "   "}, "content_disclosure", id="blank"),
        pytest.param({"content_disclosure": "x" * 41}, "content_disclosure", id="too-long"),
        pytest.param({"content_disclosure": None}, "content_disclosure", id="null"),
    ],
)
async def test_bad_content_settings_are_refused(
    program: Program, changes: dict[str, Any], field: str
) -> None:
    r = await program.admin.client.patch(
        "/api/v1/tenant/settings", json=changes, headers=program.admin.headers
    )

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
