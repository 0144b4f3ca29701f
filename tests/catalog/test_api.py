"""Catalog through the API: vendors list, admins vet and grade, affiliates browse the marketplace."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.factories import Program, invite_and_accept
from tests.factories import png as _png
from tests.factories import product as _product


async def test_a_listed_product_waits_for_vetting_then_reaches_the_marketplace(
    program: Program,
) -> None:
    product = await program.listed(commission={"bps": 2_500})
    assert product["status"] == "pending"
    assert product["tags"] == ["python", "data"]
    assert product["commission"] == {
        "kind": "percent",
        "bps": 2_500,
        "fixed_minor": None,
        "per_sale_minor": 1_225,
        "is_default": False,
        "group": None,
    }
    assert (await program.market())["items"] == []
    queue = (
        await program.admin.client.get("/api/v1/vetting", headers=program.admin.headers)
    ).json()
    assert [p["id"] for p in queue["items"]] == [product["id"]]
    hidden = await program.affiliate.client.get(
        f"/api/v1/products/{product['id']}", headers=program.affiliate.headers
    )
    assert hidden.status_code == 404

    r = await program.review(product["id"], decision="approved", grade="S", notes="Strong offer")
    assert r.status_code == 200, r.text

    market = await program.market()
    assert [p["id"] for p in market["items"]] == [product["id"]]
    seen = market["items"][0]
    assert (seen["status"], seen["grade"]) == ("approved", "S")
    assert seen["review_notes"] is None  # the admin's notes are for the vendor and admins
    mine = (
        await program.vendor.client.get("/api/v1/products", headers=program.vendor.headers)
    ).json()
    assert mine["items"][0]["review_notes"] == "Strong offer"
    history = (
        await program.vendor.client.get(
            f"/api/v1/products/{product['id']}/reviews", headers=program.vendor.headers
        )
    ).json()
    assert [(h["decision"], h["grade"], h["notes"]) for h in history] == [
        ("approved", "S", "Strong offer")
    ]


async def test_rejection_needs_a_reason_and_editing_sends_a_product_back_to_vetting(
    program: Program,
) -> None:
    product = await program.listed()
    no_reason = await program.review(product["id"], decision="rejected")
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    no_grade = await program.review(product["id"], decision="approved")
    assert [e["field"] for e in no_grade.json()["errors"]] == ["grade"]

    rejected = await program.review(product["id"], decision="rejected", reason="Landing page 404s")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Landing page 404s"
    again = await program.review(product["id"], decision="approved", grade="A")
    assert again.status_code == 409  # only what waits in the queue is decided

    edited = await program.vendor.client.put(
        f"/api/v1/products/{product['id']}",
        json=_product(landing_url="https://vendor.example/fixed"),
        headers=program.vendor.headers,
    )
    assert edited.json()["status"] == "pending"
    approved = await program.review(product["id"], decision="approved", grade="B")
    assert approved.json()["rejection_reason"] == ""
    assert [p["id"] for p in (await program.market())["items"]] == [product["id"]]

    await program.vendor.client.put(
        f"/api/v1/products/{product['id']}",
        json=_product(price_minor=5_900),
        headers=program.vendor.headers,
    )
    assert (await program.market())["items"] == []  # an edit is vetted again before it shows


async def test_commission_rules_fixed_percent_and_the_tenant_default(program: Program) -> None:
    fixed = await program.approved(commission={"fixed_minor": 700}, price_minor=10_000)
    default = await program.approved(price_minor=3_333)  # the tenant default: 10%
    assert fixed["commission"]["per_sale_minor"] == 700
    assert default["commission"] == {
        "kind": "percent",
        "bps": 1_000,
        "fixed_minor": None,
        "per_sale_minor": 333,  # rounded down
        "is_default": True,
        "group": None,
    }
    assert (default["cookie_days"], default["refund_hold_days"]) == (30, 30)

    both = await program.vendor.client.post(
        "/api/v1/products",
        json=_product(commission={"bps": 100, "fixed_minor": 5}),
        headers=program.vendor.headers,
    )
    assert both.status_code == 422
    assert both.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in both.json()["errors"]] == ["commission.fixed_minor"]


async def test_every_mistake_in_a_product_is_named_at_once(program: Program) -> None:
    # given a product with a short title, an unknown currency and a zero price
    bad = _product(title="x", currency="XYZ", price_minor=0)

    # when it is listed
    r = await program.vendor.client.post(
        "/api/v1/products", json=bad, headers=program.vendor.headers
    )

    # then one answer names all three, in the words a form shows
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["detail"] for e in r.json()["errors"]}
    assert errors.keys() == {"title", "currency", "price_minor"}
    assert errors["currency"] == "Not an ISO 4217 currency code."


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "x"}, "title"),
        ({"price_minor": 0}, "price_minor"),
        ({"price_minor": -5}, "price_minor"),
        ({"currency": "usd1"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"landing_url": "http://vendor.example/"}, "landing_url"),
        ({"landing_url": "javascript:alert(1)"}, "landing_url"),
        ({"commission": {"bps": 10_001}}, "commission.bps"),
        ({"cookie_days": 0}, "cookie_days"),
        ({"refund_hold_days": 400}, "refund_hold_days"),
        ({"tags": ["t"] * 11}, "tags"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_products_are_refused_naming_the_field(
    program: Program, overrides: dict[str, Any], field: str
) -> None:
    r = await program.vendor.client.post(
        "/api/v1/products", json=_product(**overrides), headers=program.vendor.headers
    )
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}
    mine = (
        await program.vendor.client.get("/api/v1/products", headers=program.vendor.headers)
    ).json()
    assert mine["items"] == []  # nothing written


async def test_only_vendors_list_and_only_admins_review(program: Program) -> None:
    r = await program.affiliate.client.post(
        "/api/v1/products", json=_product(), headers=program.affiliate.headers
    )
    assert r.status_code == 403
    product = await program.listed()
    r = await program.vendor.client.post(
        f"/api/v1/products/{product['id']}/review",
        json={"decision": "approved", "grade": "S"},
        headers=program.vendor.headers,
    )
    assert r.status_code == 403
    assert (
        await program.vendor.client.get("/api/v1/vetting", headers=program.vendor.headers)
    ).status_code == 403


async def test_another_vendor_cannot_touch_a_product(
    program: Program, make_client: ClientFactory
) -> None:
    product = await program.listed()
    rival = await invite_and_accept(program.admin, make_client(), role="vendor", name="Rival")
    url = f"/api/v1/products/{product['id']}"
    assert (await rival.client.get(url, headers=rival.headers)).status_code == 404
    r = await rival.client.put(url, json=_product(title="Mine now"), headers=rival.headers)
    assert r.status_code == 404
    assert (await rival.client.delete(url, headers=rival.headers)).status_code == 404
    r = await rival.client.post(
        f"{url}/images", files={"file": ("a.png", _png(), "image/png")}, headers=rival.headers
    )
    assert r.status_code == 404
    assert (await rival.client.get("/api/v1/products", headers=rival.headers)).json()["items"] == []


async def test_images_are_validated_served_and_count_as_an_edit(program: Program) -> None:
    product = await program.approved()
    url = f"/api/v1/products/{product['id']}/images"
    h = program.vendor.headers
    r = await program.vendor.client.post(
        url, files={"file": ("a.png", _png(), "image/png")}, headers=h
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "pending"  # a new image is vetted like any edit
    [image] = body["images"]
    assert (image["width"], image["height"]) == (64, 48)
    served = await program.affiliate.client.get(image["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == _png()

    bad = await program.vendor.client.post(
        url, files={"file": ("a.png", b"not an image", "image/png")}, headers=h
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "file"
    huge = await program.vendor.client.post(
        url, files={"file": ("a.png", _png(5000, 10), "image/png")}, headers=h
    )
    assert huge.status_code == 422

    removed = await program.vendor.client.delete(f"{url}/{image['id']}", headers=h)
    assert removed.json()["images"] == []
    assert (await program.affiliate.client.get(image["url"])).status_code == 404


async def test_marketplace_filters_sorts_and_pages(program: Program) -> None:
    # given three approved products (grades B, S, C) and one waiting for vetting
    cheap = await program.approved("B", title="Cheap course", price_minor=1_000, category="Courses")
    rich = await program.approved(
        "S",
        title="Rich software",
        price_minor=50_000,
        category="Software",
        commission={"bps": 3_000},
    )
    flat = await program.approved(
        "C",
        title="Flat ebook",
        price_minor=2_000,
        category="Ebooks",
        commission={"fixed_minor": 900},
    )
    await program.listed(title="Still pending")
    named = {"cheap": cheap["id"], "rich": rich["id"], "flat": flat["id"]}
    expected = {
        "": ["flat", "rich", "cheap"],  # newest first
        "?sort=commission": ["rich", "flat", "cheap"],  # 15000, 900, 100 per sale
        "?category=Software": ["rich"],
        "?min_price=1500&max_price=60000": ["flat", "rich"],
        "?min_commission=500&sort=commission": ["rich", "flat"],
        "?grade=S&grade=B": ["rich", "cheap"],
        "?q=ebook": ["flat"],
        "?currency=usd&min_price=1500": ["flat", "rich"],  # a code in any case, as search takes it
        "?currency=EUR": [],
    }

    def ids(page: dict[str, Any]) -> list[str]:
        return [p["id"] for p in page["items"]]

    # when the affiliate filters and sorts, then each query lists just its products, in order
    found = {query: ids(await program.market(query)) for query in expected}
    assert found == {query: [named[n] for n in names] for query, names in expected.items()}

    # when the affiliate pages, then the pages follow on and a cursor belongs to its sort
    first = await program.market("?sort=commission&limit=2")
    assert ids(first) == [rich["id"], flat["id"]]
    rest = await program.market(f"?sort=commission&limit=2&cursor={first['next_cursor']}")
    assert ids(rest) == [cheap["id"]]
    assert rest["next_cursor"] is None

    wrong = await program.affiliate.client.get(
        f"/api/v1/marketplace?sort=newest&cursor={first['next_cursor']}",
        headers=program.affiliate.headers,
    )
    assert wrong.status_code == 400  # a cursor of another sort
    garbage = await program.affiliate.client.get(
        "/api/v1/marketplace?cursor=!!", headers=program.affiliate.headers
    )
    assert garbage.status_code == 400

    # and the categories count only what is on the market
    categories = (
        await program.affiliate.client.get(
            "/api/v1/marketplace/categories", headers=program.affiliate.headers
        )
    ).json()
    assert categories == [
        {"category": "Courses", "products": 1},
        {"category": "Ebooks", "products": 1},
        {"category": "Software", "products": 1},
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("?currency=US", "currency", id="short-currency"),
        pytest.param("?currency=dollars", "currency", id="not-a-currency"),
        pytest.param("?category=" + "c" * 61, "category", id="long-category"),
        pytest.param("?min_price=-1", "min_price", id="negative-price"),
        pytest.param("?max_price=1e13", "max_price", id="not-whole"),
        pytest.param("?grade=Z", "grade", id="unknown-grade"),
    ],
)
async def test_a_marketplace_filter_it_cannot_take_is_a_problem_naming_it(
    program: Program, query: str, field: str
) -> None:
    # when the affiliate asks the marketplace for something no product could be
    r = await program.affiliate.client.get(
        f"/api/v1/marketplace{query}", headers=program.affiliate.headers
    )

    # then a problem+json 422 names the parameter (a grade: the parameter and which of them), as
    # a search's would
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [field] in [e["field"].split(".")[:1] for e in r.json()["errors"]]


async def test_archived_products_leave_the_marketplace_for_good(program: Program) -> None:
    product = await program.approved()
    url = f"/api/v1/products/{product['id']}"
    archived = await program.vendor.client.delete(url, headers=program.vendor.headers)
    assert archived.json()["status"] == "archived"
    assert (await program.market())["items"] == []
    r = await program.vendor.client.put(url, json=_product(), headers=program.vendor.headers)
    assert r.status_code == 409


async def test_an_approval_without_a_grade_says_so_in_plain_words(program: Program) -> None:
    # given a product waiting for review
    product = await program.listed()

    # when the admin approves it without choosing a grade
    r = await program.review(product["id"], decision="approved")

    # then the grade is at fault, in the rule's own words (no "Value error," of the validator)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "grade"
    assert error["detail"] == "An approval needs a grade (S, A, B, C, D or F)."
