"""Login, token issue and rotation, logout, and turning an access token into a principal."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository
from bitnexus.accounts.errors import InvalidCredentials, SessionExpired, UserSuspended
from bitnexus.accounts.models import RefreshToken, Role, User, UserStatus
from bitnexus.accounts.schemas import LoginRequest, MeRead, TokenResponse
from bitnexus.accounts.service.throttle import Throttle
from bitnexus.core.config import Settings
from bitnexus.core.db import set_tenant, utcnow
from bitnexus.core.errors import RateLimited
from bitnexus.core.metrics.families import LOGINS, REFRESH_REUSE
from bitnexus.core.redis import Shared
from bitnexus.core.security import (
    AccessClaims,
    hash_password,
    issue_access_token,
    needs_rehash,
    verify_password,
)
from bitnexus.core.tokens import matches, new_token, parse_token
from bitnexus.tenants import service as tenants
from bitnexus.tenants.errors import TenantSuspended
from bitnexus.tenants.models import Tenant, TenantStatus

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the (fresh from the database) user and tenant behind an access token."""

    user: User
    tenant: Tenant
    claims: AccessClaims

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def restricted_to(self) -> uuid.UUID | None:
        """Whose rows this caller may see: None for tenant admins (the whole tenant), otherwise
        the caller's own user id."""
        return None if self.role is Role.tenant_admin else self.user.id


@dataclass(frozen=True)
class IssuedSession:
    """What a successful login/refresh hands out: whose session, the body and the refresh
    cookie value."""

    user: User
    response: TokenResponse
    refresh_token: str
    refresh_expires_at: dt.datetime


def me(user: User, tenant: Tenant) -> MeRead:
    return MeRead(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        status=UserStatus(user.status),
        referral_code=user.referral_code,
        referred_by_id=user.referred_by_id,
        created_at=user.created_at,
        tenant=tenants.brief(tenant),
    )


async def issue_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    tenant: Tenant,
    *,
    family_id: uuid.UUID | None = None,
) -> IssuedSession:
    """Mint an access token and the next refresh token of a (new or continuing) family."""
    access, _ = issue_access_token(
        settings.secret,
        user_id=user.id,
        tenant_id=tenant.id,
        role=user.role,
        ttl_seconds=settings.access_token_minutes * 60,
        credential_version=user.credential_version,
    )
    token = new_token(tenant.id)
    expires_at = utcnow() + dt.timedelta(days=settings.refresh_token_days)
    await repository.add(
        session,
        RefreshToken(
            id=token.id,
            tenant_id=tenant.id,
            user_id=user.id,
            family_id=family_id or token.id,
            token_hash=token.digest,
            expires_at=expires_at,
            credential_version=user.credential_version,
        ),
    )
    return IssuedSession(
        user=user,
        response=TokenResponse(
            access_token=access,
            expires_in=settings.access_token_minutes * 60,
            user=me(user, tenant),
        ),
        refresh_token=str(token),
        refresh_expires_at=expires_at,
    )


def _throttle_key(settings: Settings, kind: str, value: str) -> str:
    return hmac.new(
        settings.secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def ensure_active(user: User, tenant: Tenant) -> None:
    if tenant.status == TenantStatus.suspended:
        raise TenantSuspended("This organisation is suspended; contact the platform operator.")
    if user.status == UserStatus.suspended:
        raise UserSuspended("Your account is suspended; contact your organisation's admin.")


async def login(
    session: AsyncSession,
    settings: Settings,
    request: LoginRequest,
    client_ip: str,
    shared: Shared | None = None,
) -> IssuedSession:
    """Check credentials with per-account and per-IP throttling (counted in Redis when it is
    `shared`); never reveal which part failed."""
    throttle = Throttle(session, shared)
    now = utcnow()
    window = dt.timedelta(seconds=settings.login_window_seconds)
    account_key = _throttle_key(settings, "acct", f"{request.organisation}:{request.email.lower()}")
    ip_key = _throttle_key(settings, "ip", client_ip)
    locked_until = await throttle.locked_until([account_key, ip_key], now)
    if locked_until is not None:
        LOGINS.labels("locked_out").inc()
        raise RateLimited(int((locked_until - now).total_seconds()) + 1)

    tenant = await tenants.find_by_slug(session, request.organisation)
    user: User | None = None
    if tenant is not None:
        user = await repository.get_user_by_email(session, request.email)
    if not verify_password(user.password_hash if user else None, request.password):
        await throttle.record_failure(
            account_key, limit=settings.login_max_failures_per_account, window=window, now=now
        )
        await throttle.record_failure(
            ip_key, limit=settings.login_max_failures_per_ip, window=window, now=now
        )
        log.info("auth.login_failed", organisation=request.organisation)
        LOGINS.labels("failure").inc()
        raise InvalidCredentials("The organisation, email or password is wrong.")
    assert user is not None
    assert tenant is not None
    ensure_active(user, tenant)
    await throttle.clear(account_key)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(request.password)
    user.last_login_at = now
    log.info("auth.login", user_id=str(user.id), tenant_id=str(tenant.id))
    LOGINS.labels("success").inc()
    return await issue_session(session, settings, user, tenant)


async def refresh(session: AsyncSession, settings: Settings, raw: str | None) -> IssuedSession:
    """Rotate a refresh token. Presenting an already-rotated token revokes its whole family."""
    token = parse_token(raw)
    if token is None:
        raise SessionExpired("No valid session; log in again.")
    await set_tenant(session, token.tenant_id)
    row = await repository.get_refresh_token(session, token.id)
    if row is None or not matches(token, row.token_hash):
        raise SessionExpired("No valid session; log in again.")
    now = utcnow()
    if row.used_at is not None or row.revoked_at is not None:
        if row.used_at is not None:
            # A rotated token came back: it was copied. Kill every descendant, stolen or not.
            await repository.revoke_family(session, row.family_id, now)
            log.warning("auth.refresh_reuse_detected", family_id=str(row.family_id))
            REFRESH_REUSE.inc()
        raise SessionExpired("This session was ended; log in again.")
    if row.expires_at <= now:
        raise SessionExpired("Your session expired; log in again.")
    found = await repository.user_with_tenant(session, row.user_id)
    if found is None:
        raise SessionExpired()
    user, tenant = found
    ensure_active(user, tenant)
    if row.credential_version != user.credential_version:
        # issued before a password change or "log out everywhere" (even one that committed
        # while this family was being rotated, which the revocation of its rows cannot see)
        raise SessionExpired("This session was ended; log in again.")
    row.used_at = now
    return await issue_session(session, settings, user, tenant, family_id=row.family_id)


async def end_every_session(session: AsyncSession, user: User) -> None:
    """End every access and refresh token of `user` issued so far ("log out everywhere")."""
    user.credential_version += 1
    user.updated_at = utcnow()
    await repository.revoke_user_sessions(session, user.id, user.updated_at)


async def logout(session: AsyncSession, raw: str | None) -> None:
    token = parse_token(raw)
    if token is None:
        return
    await set_tenant(session, token.tenant_id)
    row = await repository.get_refresh_token(session, token.id)
    if row is not None and matches(token, row.token_hash):
        await repository.revoke_family(session, row.family_id, utcnow())


async def authenticate(session: AsyncSession, claims: AccessClaims) -> Principal:
    """Load the caller behind verified claims, refusing suspended users and tenants."""
    await set_tenant(session, claims.tenant_id)
    return _checked(await repository.user_with_tenant(session, claims.user_id), claims)


async def authenticate_read(session: AsyncSession, claims: AccessClaims) -> Principal:
    """`authenticate` in a read-only unit of work already scoped to the claims' tenant: the
    caller's user and tenant as objects no session tracks (`repository.user_with_tenant_read`)."""
    return _checked(await repository.user_with_tenant_read(session, claims.user_id), claims)


async def authenticate_snapshot(connection: asyncpg.Connection, claims: AccessClaims) -> Principal:
    """`authenticate` for a request that reads nothing but its caller: the user and tenant as
    untracked snapshots, read by one statement scoped to the token's tenant
    (`Database.statements`), with the same checks."""
    found = await repository.principal_snapshot(connection, claims.tenant_id, claims.user_id)
    return _checked(found, claims)


async def principal_in(session: AsyncSession, claims: AccessClaims) -> Principal | None:
    """The caller of claims already checked (`authenticate_snapshot`) as `session` reads them,
    unchecked again: None where its database does not have them yet (a replica behind)."""
    found = await repository.user_with_tenant_read(session, claims.user_id)
    return None if found is None else Principal(user=found[0], tenant=found[1], claims=claims)


def _checked(found: tuple[User, Tenant] | None, claims: AccessClaims) -> Principal:
    if found is None:
        raise SessionExpired("Unknown user.")
    user, tenant = found
    ensure_active(user, tenant)
    # A password change or "log out everywhere" bumps the version: every earlier token ends.
    if claims.credential_version != user.credential_version:
        raise SessionExpired("This session was ended (password change or sign-out); log in again.")
    return Principal(user=user, tenant=tenant, claims=claims)
