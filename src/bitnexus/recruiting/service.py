"""Recruiting rules: the programme's terms and questions, the auto-approve rule, applications
made on the public join page and their review. An approved applicant gets the ordinary
"finish your sign-up" link of accounts' registration: recruiting decides who may join,
registration makes the account."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.accounts.service import registration
from bitnexus.accounts.service.sessions import Principal
from bitnexus.core import mail
from bitnexus.core.config import Settings
from bitnexus.core.db import any_row, utcnow
from bitnexus.core.errors import Conflict, FieldError
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.recruiting import repository
from bitnexus.recruiting.errors import (
    ApplicationDecided,
    ApplicationNotFound,
    InvalidApplication,
    InvalidRecruitingSettings,
)
from bitnexus.recruiting.models import (
    Application,
    ApplicationQuestion,
    ApplicationStatus,
    AutoApprove,
    ProgrammeTerms,
    QuestionKind,
    RecruitingRules,
)
from bitnexus.recruiting.schemas import (
    AnswerRead,
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    CommissionSummary,
    JoinPage,
    QuestionRead,
    QuestionsUpdate,
    RulesRead,
    RulesUpdate,
    TermsCreate,
    TermsRead,
)
from bitnexus.tenants import service as tenants
from bitnexus.tenants.models import Tenant

# the longest answer each kind of question takes
ANSWER_LIMITS = {
    QuestionKind.short_text: 200,
    QuestionKind.long_text: 2_000,
    QuestionKind.url: 500,
    QuestionKind.single_choice: 100,
}
ACCEPTED = "Thank you: we sent you a mail about your application."


# ---- settings: terms, questions, rules ----


async def terms_versions(session: AsyncSession) -> list[TermsRead]:
    """Every published version of the terms, newest first."""
    return [TermsRead.model_validate(t) for t in await repository.list_terms(session)]


async def publish_terms(
    session: AsyncSession, principal: Principal, request: TermsCreate
) -> TermsRead:
    """Publish a new version of the terms; earlier versions stay as they were."""
    await repository.lock_settings(session, principal.tenant.id)
    current = await repository.current_terms(session)
    terms = ProgrammeTerms(
        tenant_id=principal.tenant.id,
        version=(current.version + 1) if current else 1,
        body=request.body,
        published_at=utcnow(),
        published_by_id=principal.user.id,
    )
    try:
        async with session.begin_nested():
            session.add(terms)
    except IntegrityError as exc:
        raise Conflict("Another version was published at the same time; reload.") from exc
    return TermsRead.model_validate(terms)


def _question_read(q: ApplicationQuestion) -> QuestionRead:
    return QuestionRead.model_validate(q)


async def questions(session: AsyncSession) -> list[QuestionRead]:
    """The join page's questions, in order."""
    return [_question_read(q) for q in await repository.questions(session)]


async def replace_questions(
    session: AsyncSession, tenant: Tenant, request: QuestionsUpdate
) -> list[QuestionRead]:
    """Set the join page's questions (the whole list, in order). Applications made before keep
    the questions as they were asked."""
    errors = []
    for i, q in enumerate(request.questions):
        if q.kind is QuestionKind.single_choice and len(set(q.options)) < 2:
            errors.append(FieldError(f"questions.{i}.options", "Give at least two options."))
        elif q.kind is QuestionKind.single_choice and len(set(q.options)) != len(q.options):
            errors.append(FieldError(f"questions.{i}.options", "Options must differ."))
        elif q.kind is not QuestionKind.single_choice and q.options:
            errors.append(FieldError(f"questions.{i}.options", "Only choices take options."))
    if errors:
        raise InvalidRecruitingSettings("Some questions are not valid.", errors=errors)
    await repository.lock_settings(session, tenant.id)
    await repository.delete_questions(session)
    await session.flush()
    made = [
        ApplicationQuestion(
            tenant_id=tenant.id,
            id=uuid.uuid4(),
            position=i,
            label=q.label,
            kind=q.kind,
            required=q.required,
            options=list(q.options),
        )
        for i, q in enumerate(request.questions)
    ]
    session.add_all(made)
    await session.flush()
    return [_question_read(q) for q in made]


async def rules(session: AsyncSession) -> RulesRead:
    """How applications are decided at submission."""
    found = await repository.rules(session)
    if found is None:
        return RulesRead(auto_approve=AutoApprove.off, domains=[])
    return RulesRead(auto_approve=AutoApprove(found.auto_approve), domains=list(found.domains))


async def set_rules(session: AsyncSession, tenant: Tenant, request: RulesUpdate) -> RulesRead:
    if request.auto_approve is AutoApprove.email_domain and not request.domains:
        raise InvalidRecruitingSettings(
            "Name at least one domain to approve.",
            errors=[FieldError("domains", "Name at least one domain.")],
        )
    domains = sorted(set(request.domains))
    await repository.lock_settings(session, tenant.id)
    found = await repository.rules(session, lock=True)
    if found is None:
        found = RecruitingRules(tenant_id=tenant.id)
        session.add(found)
    found.auto_approve = request.auto_approve
    found.domains = domains
    found.updated_at = utcnow()
    await session.flush()
    return RulesRead(auto_approve=request.auto_approve, domains=domains)


# ---- the public join page ----


def commission_summary(tenant: Tenant) -> CommissionSummary:
    policy = tenants.settings_of(tenant)
    return CommissionSummary(
        currency=policy.default_currency,
        commission_bps=policy.default_commission_bps,
        cookie_days=policy.default_cookie_days,
        refund_hold_days=policy.default_refund_hold_days,
        payout_threshold_minor=policy.payout_threshold_minor,
        payout_schedule=policy.payout_schedule,
    )


async def join_page(session: AsyncSession, slug: str) -> JoinPage:
    """What the join page of an organisation shows: brand, terms, commission, questions."""
    tenant = await tenants.enter_for_signup(session, slug)
    terms = await repository.current_terms(session)
    return JoinPage(
        tenant=tenants.public(tenant),
        terms=TermsRead.model_validate(terms) if terms else None,
        commission=commission_summary(tenant),
        questions=await questions(session),
    )


def _checked_answers(
    asked: list[ApplicationQuestion], request: ApplicationCreate
) -> list[dict[str, Any]]:
    """The answers, each against its question; every problem is named, all at once."""
    errors: list[FieldError] = []
    known = {q.id for q in asked}
    errors += [
        FieldError(f"answers.{qid}", "No such question.") for qid in request.answers.keys() - known
    ]
    kept: list[dict[str, Any]] = []
    for q in asked:
        field = f"answers.{q.id}"
        raw = request.answers.get(q.id)
        answer: str | bool | None = raw.strip() if isinstance(raw, str) else raw
        if answer == "":
            answer = None
        kind = QuestionKind(q.kind)
        problem = None
        if answer is None:
            problem = "This question needs an answer." if q.required else None
        elif kind is QuestionKind.yes_no:
            problem = None if isinstance(answer, bool) else "Answer yes or no."
        elif not isinstance(answer, str):
            problem = "Answer in words."
        elif len(answer) > ANSWER_LIMITS[kind]:
            problem = f"At most {ANSWER_LIMITS[kind]} characters."
        elif kind is QuestionKind.single_choice and answer not in q.options:
            problem = "Pick one of the options."
        elif kind is QuestionKind.url and not _is_web_address(answer):
            problem = "Give a web address starting with http:// or https://."
        if problem:
            errors.append(FieldError(field, problem))
        kept.append({"question_id": str(q.id), "label": q.label, "kind": q.kind, "answer": answer})
    if errors:
        raise InvalidApplication("Some answers need attention.", errors=errors)
    return kept


def _is_web_address(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value


def _ip_hash(settings: Settings, ip: str | None) -> str | None:
    if not ip:
        return None
    return hmac.new(settings.secret.encode(), ip.encode(), hashlib.sha256).hexdigest()


def _auto_rule(found: RulesRead, email: str, referrer: User | None) -> AutoApprove | None:
    """The rule that approves this application at once, if any."""
    rule = found.auto_approve
    if rule is AutoApprove.all:
        return rule
    if rule is AutoApprove.email_domain and email.rsplit("@", 1)[-1] in found.domains:
        return rule
    if rule is AutoApprove.referred and referrer is not None:
        return rule
    return None


async def apply(
    session: AsyncSession,
    settings: Settings,
    slug: str,
    request: ApplicationCreate,
    client_ip: str | None,
) -> ApplicationAccepted:
    """Apply to join an organisation from its join page. The answer is the same whether the
    address is new, has an application pending or an account already; the mail tells its
    owner which. An auto-approve rule that matches approves at once."""
    tenant = await tenants.enter_for_signup(session, slug)
    terms = await repository.current_terms(session)
    if terms is not None and request.accept_terms_version != terms.version:
        raise InvalidApplication(
            f"Accept the terms (version {terms.version}) to apply.",
            errors=[
                FieldError("accept_terms_version", f"Accept the terms (version {terms.version}).")
            ],
        )
    answers = _checked_answers(await repository.questions(session), request)
    referrer = await registration.find_referrer(session, request.referral_code)
    email = request.email.lower()
    accepted = ApplicationAccepted(email=email, detail=ACCEPTED)
    if await registration.has_account(session, email):
        await registration.mail_signup_link(
            session, settings, tenant, email=email, name=request.name, referrer_id=None
        )
        return accepted
    if await repository.pending_by_email(session, email) is not None:
        await _mail(session, settings, email, *_received(tenant))
        return accepted
    now = utcnow()
    application = Application(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        email=email,
        name=request.name,
        answers=answers,
        terms_version=terms.version if terms else None,
        terms_accepted_at=now if terms else None,
        referred_by_id=referrer.id if referrer else None,
        ip_hash=_ip_hash(settings, client_ip),
        status=ApplicationStatus.pending,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(application)
    except IntegrityError:
        # the same address applied in a concurrent request: that application stands
        await _mail(session, settings, email, *_received(tenant))
        return accepted
    rule = _auto_rule(await rules(session), email, referrer)
    if rule is None:
        await _mail(session, settings, email, *_received(tenant))
    else:
        await _approve(session, settings, tenant, application, by=None, rule=rule)
    return accepted


def _received(tenant: Tenant) -> tuple[str, str]:
    org = tenant.display_name
    return (
        f"We received your application to {org}",
        f"Thank you for applying to join {org} as an affiliate.\n\n"
        "The team reviews every application; we will mail you as soon as it is decided.\n",
    )


async def _mail(
    session: AsyncSession, settings: Settings, to: str, subject: str, body: str
) -> None:
    await mail.send(session, settings, mail.Mail(to=to, subject=subject, body=body))


# ---- the applications queue ----


def application_read(a: Application) -> ApplicationRead:
    return ApplicationRead(
        id=a.id,
        email=a.email,
        name=a.name,
        status=ApplicationStatus(a.status),
        answers=[AnswerRead.model_validate(x) for x in a.answers],
        terms_version=a.terms_version,
        terms_accepted_at=a.terms_accepted_at,
        referred_by_id=a.referred_by_id,
        created_at=a.created_at,
        decided_at=a.decided_at,
        decided_by_id=a.decided_by_id,
        decided_by_rule=AutoApprove(a.decided_by_rule) if a.decided_by_rule else None,
        reject_reason=a.reject_reason,
        user_id=a.user_id,
    )


async def list_applications(
    session: AsyncSession, status: ApplicationStatus | None, cursor: str | None, limit: int
) -> ApplicationPage:
    """Applications, newest first, of one status or all."""
    rows = await repository.list_applications(
        session, status=status, after=Cursor.decode(cursor), limit=limit + 1
    )
    page, next_cursor = split_page(rows, limit)
    return ApplicationPage(items=[application_read(a) for a in page], next_cursor=next_cursor)


async def get_application(session: AsyncSession, application_id: uuid.UUID) -> ApplicationRead:
    found = await repository.get_application(session, application_id)
    if found is None:
        raise ApplicationNotFound()
    return application_read(found)


async def _pending(session: AsyncSession, application_id: uuid.UUID) -> Application:
    found = await repository.get_application(session, application_id, lock=True)
    if found is None:
        raise ApplicationNotFound()
    if found.status != ApplicationStatus.pending:
        raise ApplicationDecided(f"This application was already {found.status}.")
    return found


async def approve(
    session: AsyncSession, settings: Settings, principal: Principal, application_id: uuid.UUID
) -> ApplicationRead:
    """Approve a pending application: the applicant is mailed the link to finish signing up."""
    application = await _pending(session, application_id)
    await _approve(session, settings, principal.tenant, application, by=principal.user, rule=None)
    return application_read(application)


async def _approve(
    session: AsyncSession,
    settings: Settings,
    tenant: Tenant,
    application: Application,
    *,
    by: User | None,
    rule: AutoApprove | None,
) -> None:
    application.status = ApplicationStatus.approved
    application.decided_at = utcnow()
    application.decided_by_id = by.id if by else None
    application.decided_by_rule = rule
    await session.flush()
    await registration.mail_signup_link(
        session,
        settings,
        tenant,
        email=application.email,
        name=application.name,
        referrer_id=application.referred_by_id,
    )


async def reject(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    application_id: uuid.UUID,
    reason: str,
) -> ApplicationRead:
    """Reject a pending application; the applicant is mailed the reason."""
    application = await _pending(session, application_id)
    application.status = ApplicationStatus.rejected
    application.decided_at = utcnow()
    application.decided_by_id = principal.user.id
    application.reject_reason = reason
    await session.flush()
    org = principal.tenant.display_name
    await _mail(
        session,
        settings,
        application.email,
        f"Your application to {org}",
        f"Thank you for applying to join {org} as an affiliate. We are sorry: your "
        f"application was not approved.\n\nThe reason given:\n{reason}\n",
    )
    return application_read(application)


async def joined(session: AsyncSession, user: User) -> None:
    """Tie the approved application of a new affiliate to their account, so their record shows
    the terms they accepted and when."""
    for application in await repository.approved_for_email(session, user.email):
        application.user_id = user.id


async def application_of(session: AsyncSession, user_id: uuid.UUID) -> ApplicationRead:
    """The application a member joined with (terms version and acceptance time among it)."""
    found = await repository.for_user(session, user_id)
    if found is None:
        raise ApplicationNotFound("This member did not join through an application.")
    return application_read(found)


async def has_applications(session: AsyncSession) -> bool:
    """Whether anyone applied on the join page."""
    return await any_row(session, Application)
