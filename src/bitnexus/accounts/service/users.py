"""Managing users: profile, passwords (change and reset), the admin's user list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository
from bitnexus.accounts.errors import (
    CannotChangeSelf,
    InvalidResetToken,
    UserNotFound,
    WrongCurrentPassword,
)
from bitnexus.accounts.models import Invitation, PasswordResetToken, Role, User, UserStatus
from bitnexus.accounts.schemas import (
    ChangePasswordRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    ProfileUpdate,
    UserPage,
    UserRead,
    UserUpdate,
)
from bitnexus.accounts.service.registration import new_referral_code
from bitnexus.accounts.service.sessions import (
    IssuedSession,
    Principal,
    end_every_session,
    issue_session,
)
from bitnexus.core import mail
from bitnexus.core.config import Settings
from bitnexus.core.db import any_row, set_tenant, utcnow
from bitnexus.core.errors import FieldError
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.core.security import check_password_rules, hash_password, verify_password
from bitnexus.core.tokens import matches, new_token, parse_token
from bitnexus.tenants import service as tenants
from bitnexus.tenants.models import Tenant

log = structlog.get_logger(__name__)
RESET_TTL = dt.timedelta(hours=1)


async def update_profile(session: AsyncSession, user: User, changes: ProfileUpdate) -> User:
    if changes.name is not None:
        user.name = changes.name
        user.updated_at = utcnow()
    await session.flush()
    return user


async def _set_password(session: AsyncSession, user: User, password: str, field: str) -> None:
    tenant = await tenants.current(session, user.tenant_id)
    check_password_rules(password, field=field, user_inputs=[user.email, user.name, tenant.name])
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    await end_every_session(session, user)


async def change_password(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    request: ChangePasswordRequest,
) -> IssuedSession:
    """Change the caller's password: every session ends, and the caller gets a new one."""
    user = principal.user
    if not verify_password(user.password_hash, request.current_password):
        raise WrongCurrentPassword(
            "The current password is wrong.",
            errors=[FieldError("current_password", "Wrong password.")],
        )
    await _set_password(session, user, request.new_password, "new_password")
    return await issue_session(session, settings, user, principal.tenant)


async def request_password_reset(
    session: AsyncSession, settings: Settings, request: PasswordResetRequest
) -> None:
    """Mail a single-use reset link if the account exists; answer the same either way."""
    tenant = await tenants.find_by_slug(session, request.organisation)
    if tenant is None:
        return
    user = await repository.get_user_by_email(session, request.email)
    if user is None or user.status != UserStatus.active:
        return
    token = new_token(tenant.id)
    await repository.add(
        session,
        PasswordResetToken(
            id=token.id,
            tenant_id=tenant.id,
            user_id=user.id,
            token_hash=token.digest,
            expires_at=utcnow() + RESET_TTL,
        ),
    )
    link = f"{settings.app_url}/reset-password?token={token}"
    await mail.send(
        session,
        settings,
        mail.Mail(
            to=user.email,
            subject="Reset your BitNexus password",
            body=(
                f"Someone asked to reset the password of {user.email}.\n\n"
                f"Use this link within one hour (it works once): {link}\n\n"
                "If it was not you, ignore this message.\n"
            ),
        ),
    )


async def confirm_password_reset(session: AsyncSession, request: PasswordResetConfirm) -> None:
    token = parse_token(request.token)
    invalid = InvalidResetToken(
        "This reset link is invalid, used or expired; ask for a new one.",
        errors=[FieldError("token", "Invalid or expired.")],
    )
    if token is None:
        raise invalid
    await set_tenant(session, token.tenant_id)
    row = await repository.get_reset_token(session, token.id)
    now = utcnow()
    if row is None or not matches(token, row.token_hash) or row.used_at or row.expires_at <= now:
        raise invalid
    user = await repository.get_user(session, row.user_id)
    if user is None:
        raise invalid
    await _set_password(session, user, request.password, "password")
    row.used_at = now


def user_read(user: User) -> UserRead:
    return UserRead.model_validate(user)


async def list_users(
    session: AsyncSession, cursor: str | None, limit: int, query: str | None
) -> UserPage:
    rows = await repository.list_users(
        session, after=Cursor.decode(cursor), limit=limit + 1, query=query
    )
    page, next_cursor = split_page(rows, limit)
    return UserPage(items=[user_read(u) for u in page], next_cursor=next_cursor)


async def list_affiliates(
    session: AsyncSession,
    cursor: str | None,
    limit: int,
    query: str | None,
    status: UserStatus | None,
    among: Sequence[uuid.UUID] | None = None,
) -> tuple[list[User], str | None]:
    """The organisation's affiliates, oldest first, filtered by name or email and status (and
    to those `among` these ids, when given)."""
    rows = await repository.list_users(
        session,
        after=Cursor.decode(cursor),
        limit=limit + 1,
        query=query,
        role=Role.affiliate,
        status=status,
        among=among,
    )
    return split_page(rows, limit)


async def referral_counts(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many members each of these users brought in (their referral network's first level)."""
    return await repository.referral_counts(session, ids)


async def referrals_of(session: AsyncSession, user_id: uuid.UUID) -> list[User]:
    """The members this user referred, oldest first."""
    return await repository.referred_by(session, user_id)


async def users_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
    """These users of the session's tenant, active or not, by id."""
    return {u.id: u for u in await repository.users_by_ids(session, ids)}


async def active_users(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Those of these users (of the session's tenant) who are active, by id."""
    users = await repository.users_by_ids(session, ids)
    return {u.id: u for u in users if u.status == UserStatus.active}


async def names(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of these users (of the session's tenant, suspended ones too), by id."""
    return {i: u.name for i, u in (await users_by_ids(session, list(ids))).items()}


async def active_admin_ids(session: AsyncSession) -> list[uuid.UUID]:
    """The organisation's active admins (of the session's tenant)."""
    return await repository.active_ids_with_role(session, Role.tenant_admin)


async def find_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user with this id in the current tenant, or None."""
    return await repository.get_user(session, user_id)


async def user_by_referral_code(session: AsyncSession, code: str) -> User | None:
    """The user whose referral code this is, or None."""
    return await repository.get_user_by_referral_code(session, code)


async def user_with_tenant(session: AsyncSession, user_id: uuid.UUID) -> tuple[User, Tenant] | None:
    """The user and their tenant, or None."""
    return await repository.user_with_tenant(session, user_id)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound()
    return user


async def update_user(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, changes: UserUpdate
) -> User:
    """Change a user's role or status (tenant admins only; never their own)."""
    user = await get_user(session, user_id)
    if user.id == principal.user.id:
        raise CannotChangeSelf("Ask another admin to change your own role or status.")
    if user.role == Role.platform_admin:
        raise UserNotFound()
    now = utcnow()
    if changes.role is not None and changes.role != user.role:
        user.role = changes.role
        if changes.role == Role.affiliate and user.referral_code is None:
            user.referral_code = new_referral_code()
    if changes.status is not None and changes.status != user.status:
        user.status = changes.status
        if changes.status == UserStatus.suspended:
            await repository.revoke_user_sessions(session, user.id, now)
        log.info("users.status_changed", target_user_id=str(user.id), status=changes.status.value)
    user.updated_at = now
    await session.flush()
    return user


async def has_recruited(session: AsyncSession) -> bool:
    """Whether the organisation has an affiliate, or has invited anyone."""
    return await repository.has_role(session, Role.affiliate) or await any_row(session, Invitation)
