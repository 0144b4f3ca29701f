"""The join page, applying, and the admin's queue, through the real app and database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.conftest import ClientFactory
from tests.factories import (
    PASSWORD,
    mail_read_by,
    signup_link_token,
    signup_org,
    unique_email,
)
from tests.recruiting.support import Programme, applications, apply, make_programme, member_of


@pytest.fixture
async def programme(make_client: ClientFactory) -> Programme:
    return await make_programme(await signup_org(make_client()))


async def test_join_page_shows_brand_terms_commission_and_questions(
    programme: Programme, make_client: ClientFactory
) -> None:
    r = await make_client().get(f"/api/v1/public/tenants/{programme.admin.slug}/join")

    assert r.status_code == 200, r.text
    page = r.json()
    assert page["tenant"]["slug"] == programme.admin.slug
    assert (page["terms"]["version"], page["terms"]["body"]) == (1, "Be honest.")
    assert page["commission"]["commission_bps"] > 0
    assert page["commission"]["cookie_days"] > 0
    assert [q["label"] for q in page["questions"]][:2] == ["Your website", "Audience size"]


async def test_approved_applicant_finishes_sign_up_with_terms_on_record(
    programme: Programme, make_client: ClientFactory
) -> None:
    # given an application on the join page
    admin, visitor, email = programme.admin, make_client(), unique_email("applicant")
    applied = await apply(visitor, programme, email)
    assert applied.status_code == 202, applied.text
    assert "reviews every application" in await mail_read_by(admin, email)
    [pending] = await applications(admin, "pending")
    assert (pending["email"], pending["terms_version"]) == (email, 1)
    assert pending["terms_accepted_at"] is not None
    assert pending["answers"][1] == {
        "question_id": programme.question_ids[1],
        "label": "Audience size",
        "kind": "single_choice",
        "answer": "Large",
    }

    # when the admin approves it
    approved = await admin.client.post(
        f"/api/v1/recruiting/applications/{pending['id']}/approve", headers=admin.headers
    )

    # then the applicant is mailed the sign-up link, and finishing it makes the affiliate
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by_id"] == admin.id
    token = signup_link_token(await mail_read_by(admin, email))
    done = await visitor.post(
        "/api/v1/public/signups/confirm", json={"token": token, "password": PASSWORD}
    )
    assert done.status_code == 201, done.text
    user_id = done.json()["user"]["id"]
    member = await admin.client.get(f"/api/v1/recruiting/members/{user_id}", headers=admin.headers)
    assert member.status_code == 200, member.text
    assert (member.json()["id"], member.json()["terms_version"]) == (pending["id"], 1)


async def test_rejection_mails_the_reason(programme: Programme, make_client: ClientFactory) -> None:
    admin, email = programme.admin, unique_email("applicant")
    await apply(make_client(), programme, email)
    [pending] = await applications(admin, "pending")

    rejected = await admin.client.post(
        f"/api/v1/recruiting/applications/{pending['id']}/reject",
        headers=admin.headers,
        json={"reason": "We only take course creators."},
    )
    again = await admin.client.post(
        f"/api/v1/recruiting/applications/{pending['id']}/approve", headers=admin.headers
    )

    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert "We only take course creators." in await mail_read_by(admin, email)
    assert again.status_code == 409
    assert [a["id"] for a in await applications(admin, "rejected")] == [pending["id"]]


async def test_applying_twice_or_with_an_account_answers_the_same(
    programme: Programme, make_client: ClientFactory
) -> None:
    # given an address with an application pending, and one with an account
    admin, email = programme.admin, unique_email("twice")
    member = await member_of(make_client(), programme)

    # when both apply (again)
    first = await apply(make_client(), programme, email)
    second = await apply(make_client(), programme, email.upper())
    existing = await apply(make_client(), programme, member.email)

    # then the answers match, one application is kept, and nobody is told who exists
    assert {r.status_code for r in (first, second, existing)} == {202}
    assert first.json()["detail"] == existing.json()["detail"]
    assert [a["email"] for a in await applications(admin, "pending")] == [email]
    assert "already has an account" in await mail_read_by(admin, member.email)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        pytest.param({"q0": ""}, "/answers/{q0}", id="required answer missing"),
        pytest.param({"q1": "Medium"}, "/answers/{q1}", id="not one of the options"),
        pytest.param({"q0": "ftp://me.example"}, "/answers/{q0}", id="not a web address"),
        pytest.param({"q2": "x" * 2001}, "/answers/{q2}", id="long text too long"),
        pytest.param({"q3": "maybe"}, "/answers/{q3}", id="yes-no not a boolean"),
        pytest.param({"q1": True}, "/answers/{q1}", id="choice given a boolean"),
    ],
)
async def test_bad_answers_are_named(
    programme: Programme, make_client: ClientFactory, changes: dict[str, Any], pointer: str
) -> None:
    r = await apply(
        make_client(), programme, unique_email("bad"), answers=programme.answers(**changes)
    )

    assert r.status_code == 422, r.text
    q = {f"q{i}": qid for i, qid in enumerate(programme.question_ids)}
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer.format(**q)]
    assert await applications(programme.admin) == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({"accept_terms_version": None}, "/accept_terms_version", id="not accepted"),
        pytest.param({"accept_terms_version": 7}, "/accept_terms_version", id="wrong version"),
        pytest.param({"name": "n" * 121}, "/name", id="name too long"),
        pytest.param({"email": "not-an-address"}, "/email", id="bad email"),
        pytest.param(
            {"answers": {"00000000-0000-0000-0000-000000000000": "hi"}},
            "/answers/00000000-0000-0000-0000-000000000000",
            id="unknown question",
        ),
        pytest.param({"referral_code": "NOSUCH99"}, "/referral_code", id="unknown referrer"),
    ],
)
async def test_bad_applications_are_refused(
    programme: Programme, make_client: ClientFactory, body: dict[str, Any], pointer: str
) -> None:
    r = await apply(make_client(), programme, unique_email("bad"), **body)

    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]]
    assert await applications(programme.admin) == []


async def test_unknown_or_suspended_organisation_is_refused(
    programme: Programme, make_client: ClientFactory, owner_engine: Engine
) -> None:
    client = make_client()
    unknown = await client.get("/api/v1/public/tenants/no-such-org-here/join")
    with owner_engine.begin() as conn:
        conn.execute(
            text("UPDATE tenants SET status = 'suspended' WHERE id = :t"),
            {"t": programme.admin.tenant_id},
        )
    suspended = await apply(client, programme, unique_email("late"))
    page = await client.get(f"/api/v1/public/tenants/{programme.admin.slug}/join")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert (suspended.status_code, page.status_code) == (403, 403)


@pytest.mark.parametrize(
    ("rule", "email_domain", "referred", "approved"),
    [
        pytest.param({"auto_approve": "off"}, "example.com", False, False, id="off"),
        pytest.param({"auto_approve": "all"}, "example.com", False, True, id="all"),
        pytest.param(
            {"auto_approve": "email_domain", "domains": ["Partners.Example"]},
            "partners.example",
            False,
            True,
            id="listed domain",
        ),
        pytest.param(
            {"auto_approve": "email_domain", "domains": ["partners.example"]},
            "other.example",
            False,
            False,
            id="other domain",
        ),
        pytest.param({"auto_approve": "referred"}, "example.com", True, True, id="referred"),
        pytest.param({"auto_approve": "referred"}, "example.com", False, False, id="unreferred"),
    ],
)
async def test_auto_approve_rules(
    make_client: ClientFactory,
    rule: dict[str, Any],
    email_domain: str,
    referred: bool,
    approved: bool,
) -> None:
    # given a programme with the rule
    admin = await signup_org(make_client())
    programme = await make_programme(admin, rule=rule)
    code = None
    if referred:
        referrer = await member_of(make_client(), programme)
        code = referrer.user["referral_code"]
    email = unique_email("auto").replace("example.com", email_domain)

    # when someone applies
    r = await apply(make_client(), programme, email, referral_code=code)

    # then the rule decides at once, or the application waits
    assert r.status_code == 202, r.text
    [application] = [a for a in await applications(admin) if a["email"] == email]
    mail = await mail_read_by(admin, email)
    if approved:
        assert application["status"] == "approved"
        assert application["decided_by_rule"] == rule["auto_approve"]
        assert signup_link_token(mail)
    else:
        assert application["status"] == "pending"
        assert "reviews every application" in mail


async def test_publishing_terms_keeps_earlier_versions(programme: Programme) -> None:
    c, h = programme.admin.client, programme.admin.headers

    r = await c.post("/api/v1/recruiting/terms", headers=h, json={"body": "Be kind too."})
    versions = (await c.get("/api/v1/recruiting/terms", headers=h)).json()

    assert r.status_code == 201
    assert [(v["version"], v["body"]) for v in versions] == [(2, "Be kind too."), (1, "Be honest.")]


@pytest.mark.parametrize(
    ("questions", "pointer"),
    [
        pytest.param(
            [{"label": "Pick", "kind": "single_choice", "options": ["only"]}],
            "/questions/0/options",
            id="choice with one option",
        ),
        pytest.param(
            [{"label": "Site", "kind": "url", "options": ["x", "y"]}],
            "/questions/0/options",
            id="options on a text question",
        ),
        pytest.param(
            [{"label": "Q", "kind": "short_text"}] * 21, "/questions", id="more than twenty"
        ),
        pytest.param([{"label": "Q", "kind": "essay"}], "/questions/0/kind", id="unknown kind"),
    ],
)
async def test_bad_questions_are_refused(
    programme: Programme, questions: list[dict[str, Any]], pointer: str
) -> None:
    c, h = programme.admin.client, programme.admin.headers

    r = await c.put("/api/v1/recruiting/questions", headers=h, json={"questions": questions})

    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]]
    kept = (await c.get("/api/v1/recruiting/questions", headers=h)).json()
    assert [q["id"] for q in kept] == programme.question_ids


async def test_a_domain_rule_needs_domains(programme: Programme) -> None:
    c, h = programme.admin.client, programme.admin.headers

    r = await c.put("/api/v1/recruiting/rules", headers=h, json={"auto_approve": "email_domain"})

    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["/domains"]


async def test_the_same_address_applying_at_once_makes_one_application(
    programme: Programme, make_client: ClientFactory
) -> None:
    email = unique_email("race")

    answers = await asyncio.gather(*(apply(make_client(), programme, email) for _ in range(4)))

    assert {r.status_code for r in answers} == {202}
    assert len(await applications(programme.admin)) == 1


async def test_an_application_keeps_its_terms_version_and_no_raw_address(
    programme: Programme, make_client: ClientFactory, owner_engine: Engine
) -> None:
    # given an application made under version 1 of the terms
    admin, email = programme.admin, unique_email("kept")
    await apply(make_client(), programme, email)

    # when version 2 is published
    await admin.client.post("/api/v1/recruiting/terms", headers=admin.headers, json={"body": "v2"})

    # then the application still names version 1, and stores the address only as a hash
    [application] = await applications(admin)
    assert application["terms_version"] == 1
    with owner_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT ip_hash FROM recruiting_applications WHERE id = :id"),
            {"id": application["id"]},
        ).scalar_one()
    assert stored is not None
    assert len(stored) == 64
    assert "." not in stored


async def test_settings_changed_at_once_are_applied_one_after_another(
    programme: Programme,
) -> None:
    c, h = programme.admin.client, programme.admin.headers
    question = {"label": "Site", "kind": "url"}
    rule = {"auto_approve": "all"}

    answers = await asyncio.gather(
        *(c.post("/api/v1/recruiting/terms", headers=h, json={"body": f"v{i}"}) for i in range(3)),
        c.put("/api/v1/recruiting/questions", headers=h, json={"questions": [question]}),
        c.put("/api/v1/recruiting/questions", headers=h, json={"questions": [question] * 2}),
        c.put("/api/v1/recruiting/rules", headers=h, json=rule),
        c.put("/api/v1/recruiting/rules", headers=h, json=rule),
    )

    assert [r.status_code for r in answers] == [201] * 3 + [200] * 4
    versions = (await c.get("/api/v1/recruiting/terms", headers=h)).json()
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
