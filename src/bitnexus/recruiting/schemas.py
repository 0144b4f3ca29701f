"""Recruiting requests and answers: terms, questions, rules, the join page and applications."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from bitnexus.accounts.schemas import ReferralCode
from bitnexus.core.schemas import InputModel, Name, OutputModel
from bitnexus.recruiting.models import ApplicationStatus, AutoApprove, QuestionKind
from bitnexus.tenants.schemas import PublicTenant

MAX_QUESTIONS = 20
MAX_TERMS_CHARS = 50_000
# per-kind limits are checked by the service (naming the question); this bounds any answer
MAX_ANSWER_CHARS = 5_000

Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Option = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Domain = Annotated[
    str,
    StringConstraints(
        min_length=3,
        max_length=253,
        to_lower=True,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
    ),
]
Answer = Annotated[str, StringConstraints(max_length=MAX_ANSWER_CHARS)] | StrictBool


class TermsCreate(InputModel):
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TERMS_CHARS)]


class TermsRead(OutputModel):
    version: int
    body: str
    published_at: dt.datetime


class QuestionWrite(InputModel):
    label: Label
    kind: QuestionKind
    required: StrictBool = False
    options: list[Option] = Field(default_factory=list, max_length=20)


class QuestionsUpdate(InputModel):
    """The whole list, in the order the join page asks it."""

    questions: list[QuestionWrite] = Field(max_length=MAX_QUESTIONS)


class QuestionRead(OutputModel):
    id: uuid.UUID
    label: str
    kind: QuestionKind
    required: bool
    options: list[str]


class RulesUpdate(InputModel):
    auto_approve: AutoApprove
    domains: list[Domain] = Field(default_factory=list, max_length=50)


class RulesRead(OutputModel):
    auto_approve: AutoApprove
    domains: list[str]


class CommissionSummary(OutputModel):
    """The programme's headline terms, from the organisation's commission policy."""

    currency: str
    commission_bps: int
    cookie_days: int
    refund_hold_days: int
    payout_threshold_minor: int
    payout_schedule: Literal["weekly", "monthly", "manual"]


class JoinPage(OutputModel):
    tenant: PublicTenant
    terms: TermsRead | None
    commission: CommissionSummary
    questions: list[QuestionRead]


class ApplicationCreate(InputModel):
    name: Name
    email: EmailStr
    # keyed by question id; a yes/no question takes true or false, every other kind a string
    answers: dict[uuid.UUID, Answer] = Field(default_factory=dict, max_length=MAX_QUESTIONS)
    # the terms version the applicant ticked; required once the organisation published terms
    accept_terms_version: int | None = Field(None, ge=1)
    referral_code: ReferralCode | None = None


class ApplicationAccepted(OutputModel):
    """The same answer whatever happened to the address (new, pending, or with an account)."""

    email: str
    detail: str


class AnswerRead(OutputModel):
    question_id: uuid.UUID
    label: str
    kind: QuestionKind
    answer: str | bool | None


class ApplicationRead(OutputModel):
    id: uuid.UUID
    email: str
    name: str
    status: ApplicationStatus
    answers: list[AnswerRead]
    terms_version: int | None
    terms_accepted_at: dt.datetime | None
    referred_by_id: uuid.UUID | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: uuid.UUID | None
    decided_by_rule: AutoApprove | None
    reject_reason: str | None
    user_id: uuid.UUID | None


class ApplicationPage(OutputModel):
    items: list[ApplicationRead]
    next_cursor: str | None


class RejectRequest(InputModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
