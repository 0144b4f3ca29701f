"""Recruiting test helpers: a programme with terms and questions, and applying to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import Account, signup_affiliate

QUESTIONS = [
    {"label": "Your website", "kind": "url", "required": True},
    {
        "label": "Audience size",
        "kind": "single_choice",
        "required": True,
        "options": ["Small", "Large"],
    },
    {"label": "About you", "kind": "long_text"},
    {"label": "Promoted courses before?", "kind": "yes_no"},
]


@dataclass
class Programme:
    admin: Account
    terms_version: int
    question_ids: list[str]

    def answers(self, **changes: Any) -> dict[str, Any]:
        """Good answers to every question, with `changes` by position (q0, q1...)."""
        given: dict[str, Any] = {
            "q0": "https://me.example",
            "q1": "Large",
            "q2": "Developers.",
            "q3": True,
        }
        given.update(changes)
        return {qid: given[f"q{i}"] for i, qid in enumerate(self.question_ids)}


async def make_programme(admin: Account, *, rule: dict[str, Any] | None = None) -> Programme:
    c, h = admin.client, admin.headers
    terms = await c.post("/api/v1/recruiting/terms", headers=h, json={"body": "Be honest."})
    assert terms.status_code == 201, terms.text
    asked = await c.put("/api/v1/recruiting/questions", headers=h, json={"questions": QUESTIONS})
    assert asked.status_code == 200, asked.text
    if rule is not None:
        set_rule = await c.put("/api/v1/recruiting/rules", headers=h, json=rule)
        assert set_rule.status_code == 200, set_rule.text
    return Programme(admin, terms.json()["version"], [q["id"] for q in asked.json()])


async def apply(
    client: httpx.AsyncClient, programme: Programme, email: str, /, **changes: Any
) -> httpx.Response:
    body: dict[str, Any] = {
        "name": "Ada Applicant",
        "email": email,
        "answers": programme.answers(),
        "accept_terms_version": programme.terms_version,
    }
    body.update(changes)
    return await client.post(
        f"/api/v1/public/tenants/{programme.admin.slug}/applications", json=body
    )


async def applications(admin: Account, status: str | None = None) -> list[dict[str, Any]]:
    query = f"?status={status}" if status else ""
    r = await admin.client.get(f"/api/v1/recruiting/applications{query}", headers=admin.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def member_of(client: httpx.AsyncClient, programme: Programme, **changes: Any) -> Account:
    """An affiliate who applied to `programme` with good answers, was approved by its admin and
    finished signing up."""
    return await signup_affiliate(
        client,
        programme.admin.slug,
        admin=programme.admin,
        answers=programme.answers(),
        accept_terms_version=programme.terms_version,
        **changes,
    )
