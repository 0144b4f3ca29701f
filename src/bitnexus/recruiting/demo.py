"""The demo organisation's recruiting: published terms, join page questions, a few applications
waiting in the queue and one rejected (made as the join page and an admin would leave them)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.db import Database, any_row, utcnow
from bitnexus.recruiting.models import (
    Application,
    ApplicationQuestion,
    ApplicationStatus,
    ProgrammeTerms,
    QuestionKind,
)
from bitnexus.tenants import service as tenants

TERMS = """Acme Academy affiliate programme terms

1. Promote Acme Academy courses honestly: no spam, no paid search on our brand, no fake reviews.
2. Disclose that you earn a commission wherever you share a link.
3. Commissions are confirmed after the refund hold and paid on the monthly schedule once your
   balance reaches the payout threshold.
4. We may end the partnership for breaking these terms; confirmed commissions are still paid.
"""

QUESTIONS = [
    ("Where will you promote our courses?", QuestionKind.url, True, []),
    (
        "How big is your audience?",
        QuestionKind.single_choice,
        True,
        ["Under 1,000", "1,000 to 10,000", "Over 10,000"],
    ),
    ("Tell us about your audience", QuestionKind.long_text, False, []),
    ("Have you promoted online courses before?", QuestionKind.yes_no, False, []),
]

APPLICANTS = [
    ("Priya Raman", "priya@learnwithpriya.example", "https://learnwithpriya.example", 1, None),
    ("Tom Becker", "tom@devtube.example", "https://youtube.com/@devtube", 2, None),
    ("Lena Ortiz", "lena@dataclub.example", "https://dataclub.example/newsletter", 0, None),
    (
        "Quick Cash Deals",
        "deals@quickcash.example",
        "https://quickcash.example",
        2,
        "Coupon sites are not part of the programme.",
    ),
]


async def seed_demo(db: Database, slug: str) -> None:
    """Terms, questions and applications for `slug`, unless it has applications already."""
    async with db.sessionmaker() as session, session.begin():
        tenant = await tenants.enter_by_slug(session, slug)
        if await any_row(session, Application):
            return
        now = utcnow()
        session.add(
            ProgrammeTerms(
                tenant_id=tenant.id,
                version=1,
                body=TERMS,
                published_at=now - dt.timedelta(days=30),
                published_by_id=None,
            )
        )
        asked = [
            ApplicationQuestion(
                tenant_id=tenant.id,
                id=uuid.uuid4(),
                position=i,
                label=label,
                kind=kind,
                required=required,
                options=options,
            )
            for i, (label, kind, required, options) in enumerate(QUESTIONS)
        ]
        session.add_all(asked)
        for age, (name, email, site, audience, rejected) in enumerate(APPLICANTS):
            await _application(
                session, tenant.id, asked, name, email, site, audience, rejected, now, age
            )


async def _application(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    asked: list[ApplicationQuestion],
    name: str,
    email: str,
    site: str,
    audience: int,
    rejected: str | None,
    now: dt.datetime,
    age: int,
) -> None:
    made = now - dt.timedelta(hours=5 + 20 * age)
    answers: list[str | bool | None] = [
        site,
        asked[1].options[audience],
        f"{name.split()[0]}'s readers are learning to code and analyse data.",
        age % 2 == 0,
    ]
    session.add(
        Application(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            email=email,
            name=name,
            answers=[
                {"question_id": str(q.id), "label": q.label, "kind": q.kind, "answer": a}
                for q, a in zip(asked, answers, strict=True)
            ],
            terms_version=1,
            terms_accepted_at=made,
            referred_by_id=None,
            ip_hash=None,
            status=ApplicationStatus.rejected if rejected else ApplicationStatus.pending,
            created_at=made,
            decided_at=made + dt.timedelta(hours=2) if rejected else None,
            reject_reason=rejected,
        )
    )
