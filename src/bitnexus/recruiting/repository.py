"""Every query of the recruiting tables."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.schemas import Cursor
from bitnexus.recruiting.models import (
    Application,
    ApplicationQuestion,
    ApplicationStatus,
    ProgrammeTerms,
    RecruitingRules,
)


async def lock_settings(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """One change of an organisation's terms, questions or rule at a time (until the
    transaction ends): the next terms version, the question positions and the first rules row
    are read before they are written."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('recruiting:' || :t, 0))"),
        {"t": str(tenant_id)},
    )


async def current_terms(session: AsyncSession) -> ProgrammeTerms | None:
    return (
        await session.execute(
            select(ProgrammeTerms).order_by(ProgrammeTerms.version.desc()).limit(1)
        )
    ).scalar_one_or_none()


async def list_terms(session: AsyncSession) -> list[ProgrammeTerms]:
    return list(
        (
            await session.execute(select(ProgrammeTerms).order_by(ProgrammeTerms.version.desc()))
        ).scalars()
    )


async def questions(session: AsyncSession) -> list[ApplicationQuestion]:
    return list(
        (
            await session.execute(
                select(ApplicationQuestion).order_by(ApplicationQuestion.position)
            )
        ).scalars()
    )


async def delete_questions(session: AsyncSession) -> None:
    await session.execute(delete(ApplicationQuestion))


async def rules(session: AsyncSession, *, lock: bool = False) -> RecruitingRules | None:
    query = select(RecruitingRules)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> Application | None:
    query = select(Application).where(Application.id == application_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def pending_by_email(session: AsyncSession, email: str) -> Application | None:
    return (
        await session.execute(
            select(Application).where(
                func.lower(Application.email) == email.lower(),
                Application.status == ApplicationStatus.pending,
            )
        )
    ).scalar_one_or_none()


async def approved_for_email(session: AsyncSession, email: str) -> list[Application]:
    return list(
        (
            await session.execute(
                select(Application).where(
                    func.lower(Application.email) == email.lower(),
                    Application.status == ApplicationStatus.approved,
                    Application.user_id.is_(None),
                )
            )
        ).scalars()
    )


async def for_user(session: AsyncSession, user_id: uuid.UUID) -> Application | None:
    return (
        await session.execute(
            select(Application)
            .where(Application.user_id == user_id)
            .order_by(Application.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def list_applications(
    session: AsyncSession, *, status: ApplicationStatus | None, after: Cursor | None, limit: int
) -> list[Application]:
    """Newest first, keyset-paged on (created_at, id)."""
    query = select(Application)
    if status is not None:
        query = query.where(Application.status == status)
    if after is not None:
        query = query.where(
            tuple_(Application.created_at, Application.id) < (after.created_at, after.id)
        )
    query = query.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
