"""Every query on users, tokens, invitations and the login throttle."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import TypeVarTuple

import asyncpg
from sqlalchemy import Select, bindparam, case, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import (
    AuthThrottle,
    Invitation,
    PasswordResetToken,
    RefreshToken,
    User,
)
from bitnexus.core.prepared import Prepared, columns_of, untracked, untracked_of
from bitnexus.core.schemas import Cursor
from bitnexus.tenants.models import Tenant

Columns = TypeVarTuple("Columns")


def _of_user(columns: Select[*Columns]) -> Select[*Columns]:
    """`columns` of the `user_id` parameter's user and their tenant."""
    return columns.join(Tenant, Tenant.id == User.tenant_id).where(User.id == bindparam("user_id"))


@functools.cache
def _user_with_tenant() -> Select[User, Tenant]:
    # built once: every route of a signed-in caller runs it (a statement built anew is also
    # keyed anew)
    return _of_user(select(User, Tenant))


async def user_with_tenant(session: AsyncSession, user_id: uuid.UUID) -> tuple[User, Tenant] | None:
    """The user and their tenant in one round trip (RLS limits both to the current tenant)."""
    row = (await session.execute(_user_with_tenant(), {"user_id": user_id})).first()
    return (row[0], row[1]) if row else None


async def user_with_tenant_read(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[User, Tenant] | None:
    """`user_with_tenant` for a read-only unit of work: every column, as objects no session
    tracks (a read-only transaction writes nothing back), read by one prepared statement."""
    statement, tenant_from = _user_with_tenant_read()
    rows = await statement.fetch(session, {"user_id": user_id})
    if not rows:
        return None
    return untracked(User, rows[0]), untracked(Tenant, rows[0], tenant_from)


@functools.cache
def _user_with_tenant_read() -> tuple[Prepared, int]:
    """The statement, and where the tenant's columns begin in its row."""
    user = columns_of(User)
    return Prepared(_of_user(select(*user, *columns_of(Tenant)))), len(user)


async def principal_snapshot(
    connection: asyncpg.Connection, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[User, Tenant] | None:
    """The user and their tenant as they are now, with only what a principal and the caller's
    profile show, read by `bitnexus_principal` (migration 0029): one statement that scopes its
    own transaction to `tenant_id`, so RLS hides another tenant's user. Run it outside any
    transaction (`Database.statements`). The row becomes transient objects that no session
    tracks; columns not read here are None.
    """
    row = await connection.fetchrow("SELECT * FROM bitnexus_principal($1, $2)", tenant_id, user_id)
    if row is None:
        return None
    tenant = untracked_of(
        Tenant,
        {
            "id": row[8],
            "slug": row[9],
            "name": row[10],
            "display_name": row[11],
            "brand_color": row[12],
            "logo_sha256": row[13],
            "default_currency": row[14],
            "status": row[15],
        },
    )
    user = untracked_of(
        User,
        {
            "id": user_id,
            "tenant_id": tenant.id,
            "email": row[0],
            "name": row[1],
            "role": row[2],
            "status": row[3],
            "referral_code": row[4],
            "referred_by_id": row[5],
            "created_at": row[6],
            "password_changed_at": row[7],
            "credential_version": row[16],
        },
    )
    return user, tenant


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return (
        await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    ).scalar_one_or_none()


async def get_user_by_referral_code(session: AsyncSession, code: str) -> User | None:
    return (
        await session.execute(select(User).where(User.referral_code == code))
    ).scalar_one_or_none()


async def list_users(
    session: AsyncSession,
    *,
    after: Cursor | None,
    limit: int,
    query: str | None,
    role: str | None = None,
    status: str | None = None,
    among: Sequence[uuid.UUID] | None = None,
) -> list[User]:
    stmt = select(User).order_by(User.created_at, User.id).limit(limit)
    if among is not None:
        stmt = stmt.where(User.id.in_(among))
    if after is not None:
        stmt = stmt.where((User.created_at, User.id) > (after.created_at, after.id))  # type: ignore[operator]
    if role is not None:
        stmt = stmt.where(User.role == role)
    if status is not None:
        stmt = stmt.where(User.status == status)
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(User.email.ilike(pattern) | User.name.ilike(pattern))
    return list((await session.execute(stmt)).scalars())


async def users_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[User]:
    return list((await session.execute(select(User).where(User.id.in_(ids)))).scalars())


async def referral_counts(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(User.referred_by_id, func.count())
        .where(User.referred_by_id.in_(ids))
        .group_by(User.referred_by_id)
    )
    return {row[0]: row[1] for row in await session.execute(stmt) if row[0] is not None}


async def referred_by(session: AsyncSession, user_id: uuid.UUID) -> list[User]:
    stmt = select(User).where(User.referred_by_id == user_id).order_by(User.created_at, User.id)
    return list((await session.execute(stmt)).scalars())


async def active_ids_with_role(session: AsyncSession, role: str) -> list[uuid.UUID]:
    stmt = select(User.id).where(User.role == role, User.status == "active").order_by(User.id)
    return list((await session.execute(stmt)).scalars())


async def has_role(session: AsyncSession, role: str) -> bool:
    return bool((await session.execute(select(exists().where(User.role == role)))).scalar())


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def get_refresh_token(session: AsyncSession, token_id: uuid.UUID) -> RefreshToken | None:
    return (
        await session.execute(
            select(RefreshToken).where(RefreshToken.id == token_id).with_for_update()
        )
    ).scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: dt.datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID, now: dt.datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def get_reset_token(session: AsyncSession, token_id: uuid.UUID) -> PasswordResetToken | None:
    return (
        await session.execute(
            select(PasswordResetToken).where(PasswordResetToken.id == token_id).with_for_update()
        )
    ).scalar_one_or_none()


async def get_invitation(
    session: AsyncSession, invitation_id: uuid.UUID, *, lock: bool = False
) -> Invitation | None:
    stmt = select(Invitation).where(Invitation.id == invitation_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_invitations(
    session: AsyncSession, *, after: Cursor | None, limit: int
) -> list[Invitation]:
    stmt = (
        select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(limit)
    )
    if after is not None:
        stmt = stmt.where(
            (Invitation.created_at, Invitation.id) < (after.created_at, after.id)  # type: ignore[operator]
        )
    return list((await session.execute(stmt)).scalars())


async def throttle_locked_until(
    session: AsyncSession, keys: list[str], now: dt.datetime
) -> dt.datetime | None:
    """The latest lockout still in force among `keys`, if any."""
    return (
        await session.execute(
            select(func.max(AuthThrottle.locked_until)).where(
                AuthThrottle.key.in_(keys), AuthThrottle.locked_until > now
            )
        )
    ).scalar_one_or_none()


async def throttle_record_failure(
    session: AsyncSession, key: str, *, limit: int, window: dt.timedelta, now: dt.datetime
) -> None:
    """Count one failure in the key's window; lock the key for a window once it hits `limit`."""
    expired = AuthThrottle.window_started_at < now - window
    upsert = insert(AuthThrottle).values(key=key, failures=1, window_started_at=now)
    stmt = upsert.on_conflict_do_update(
        index_elements=[AuthThrottle.key],
        set_={
            "failures": case((expired, 1), else_=AuthThrottle.failures + 1),
            "window_started_at": case((expired, now), else_=AuthThrottle.window_started_at),
        },
    ).returning(AuthThrottle.failures)
    failures = (await session.execute(stmt)).scalar_one()
    if failures >= limit:
        await session.execute(
            update(AuthThrottle).where(AuthThrottle.key == key).values(locked_until=now + window)
        )


async def throttle_clear(session: AsyncSession, key: str) -> None:
    await session.execute(
        update(AuthThrottle).where(AuthThrottle.key == key).values(failures=0, locked_until=None)
    )
