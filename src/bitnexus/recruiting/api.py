"""Recruiting routes: the public join page and application, the admin's terms, questions,
auto-approve rule and applications queue."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from bitnexus.accounts.errors import UnknownReferralCode
from bitnexus.auth import TenantAdmin
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Conflict, Forbidden, InvalidInput, errors_for
from bitnexus.recruiting import service
from bitnexus.recruiting.errors import (
    ApplicationDecided,
    ApplicationNotFound,
    InvalidApplication,
    InvalidRecruitingSettings,
)
from bitnexus.recruiting.models import ApplicationStatus
from bitnexus.recruiting.schemas import (
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    JoinPage,
    QuestionRead,
    QuestionsUpdate,
    RejectRequest,
    RulesRead,
    RulesUpdate,
    TermsCreate,
    TermsRead,
)
from bitnexus.tenants.errors import SignupClosed, TenantNotFound, TenantSuspended

router = APIRouter(prefix="/recruiting", tags=["recruiting"])
public_router = APIRouter(prefix="/public", tags=["public"])

PageLimit = Annotated[int, Query(ge=1, le=200)]


# ---- public (no token) ----
@public_router.get(
    "/tenants/{slug}/join", responses=errors_for(TenantNotFound, TenantSuspended, SignupClosed)
)
async def get_join_page(slug: str, session: SessionDep) -> JoinPage:
    """An organisation's join page: its brand, terms, commission summary and questions."""
    return await service.join_page(session, slug.lower())


@public_router.post(
    "/tenants/{slug}/applications",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors_for(
        TenantNotFound,
        TenantSuspended,
        SignupClosed,
        UnknownReferralCode,
        InvalidApplication,
        InvalidInput,
    ),
)
async def create_application(
    slug: str, body: ApplicationCreate, request: Request, session: SessionDep, settings: SettingsDep
) -> ApplicationAccepted:
    """Apply to join an organisation as an affiliate (the answer is the same whether or not the
    address has applied or has an account; a mail follows either way)."""
    client_ip = request.client.host if request.client else None
    return await service.apply(session, settings, slug.lower(), body, client_ip)


# ---- the organisation's admins ----
@router.get("/terms", responses=errors_for(Forbidden))
async def list_terms(admin: TenantAdmin, session: SessionDep) -> list[TermsRead]:
    """Every published version of the programme's terms, newest first."""
    return await service.terms_versions(session)


@router.post(
    "/terms",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(Forbidden, Conflict, InvalidInput),
)
async def publish_terms(admin: TenantAdmin, body: TermsCreate, session: SessionDep) -> TermsRead:
    """Publish a new version of the terms (earlier versions are kept)."""
    return await service.publish_terms(session, admin, body)


@router.get("/questions", responses=errors_for(Forbidden))
async def list_questions(admin: TenantAdmin, session: SessionDep) -> list[QuestionRead]:
    """The join page's questions, in order."""
    return await service.questions(session)


@router.put("/questions", responses=errors_for(Forbidden, InvalidRecruitingSettings, InvalidInput))
async def replace_questions(
    admin: TenantAdmin, body: QuestionsUpdate, session: SessionDep
) -> list[QuestionRead]:
    """Set the join page's questions (the whole list, in order)."""
    return await service.replace_questions(session, admin.tenant, body)


@router.get("/rules", responses=errors_for(Forbidden))
async def get_rules(admin: TenantAdmin, session: SessionDep) -> RulesRead:
    """How applications are decided when they arrive."""
    return await service.rules(session)


@router.put("/rules", responses=errors_for(Forbidden, InvalidRecruitingSettings, InvalidInput))
async def set_rules(admin: TenantAdmin, body: RulesUpdate, session: SessionDep) -> RulesRead:
    """Choose the auto-approve rule."""
    return await service.set_rules(session, admin.tenant, body)


@router.get("/applications", responses=errors_for(Forbidden, BadRequest, InvalidInput))
async def list_applications(
    admin: TenantAdmin,
    session: SessionDep,
    limit: PageLimit = 50,
    cursor: str | None = None,
    state: ApplicationStatus | None = Query(None, alias="status"),
) -> ApplicationPage:
    """Applications to join, newest first, optionally of one status."""
    return await service.list_applications(session, state, cursor, limit)


@router.get("/applications/{application_id}", responses=errors_for(Forbidden, ApplicationNotFound))
async def get_application(
    application_id: uuid.UUID, admin: TenantAdmin, session: SessionDep
) -> ApplicationRead:
    """One application with its answers and terms acceptance."""
    return await service.get_application(session, application_id)


@router.post(
    "/applications/{application_id}/approve",
    responses=errors_for(Forbidden, ApplicationNotFound, ApplicationDecided),
)
async def approve_application(
    application_id: uuid.UUID, admin: TenantAdmin, session: SessionDep, settings: SettingsDep
) -> ApplicationRead:
    """Approve: the applicant is mailed the link to finish signing up."""
    return await service.approve(session, settings, admin, application_id)


@router.post(
    "/applications/{application_id}/reject",
    responses=errors_for(Forbidden, ApplicationNotFound, ApplicationDecided, InvalidInput),
)
async def reject_application(
    application_id: uuid.UUID,
    body: RejectRequest,
    admin: TenantAdmin,
    session: SessionDep,
    settings: SettingsDep,
) -> ApplicationRead:
    """Reject with a reason, which is mailed to the applicant."""
    return await service.reject(session, settings, admin, application_id, body.reason)


@router.get("/members/{user_id}", responses=errors_for(Forbidden, ApplicationNotFound))
async def get_member_application(
    user_id: uuid.UUID, admin: TenantAdmin, session: SessionDep
) -> ApplicationRead:
    """The application a member joined with: answers, terms version and when they accepted."""
    return await service.application_of(session, user_id)
