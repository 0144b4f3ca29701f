"""Authentication and role dependencies: `CurrentPrincipal`, `TenantAdmin`, `PlatformAdmin`,
and the read-only unit of work a replica may serve (`ReadSessionDep`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.errors import SessionExpired
from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import (
    Principal,
    authenticate,
    authenticate_read,
    authenticate_snapshot,
    principal_in,
)
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, Setting
from bitnexus.core.deps import (
    ReadSession,
    SessionDep,
    SettingsDep,
    get_database,
    get_reads,
    read_transaction,
)
from bitnexus.core.errors import BitnexusError, Forbidden, Unauthorized
from bitnexus.core.replicas import Reads
from bitnexus.core.security import AccessClaims, decode_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from login or refresh")


def verified_claims(
    settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> AccessClaims:
    if credentials is None:
        raise Unauthorized("Log in first: no access token was sent.")
    claims = decode_access_token(settings.secret, credentials.credentials)
    if claims is None:
        raise SessionExpired("The access token is invalid or expired.")
    return claims


async def token_claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """The caller's token, verified without the database: for work a route starts before its
    caller is read (the principal dependencies check the same token, then the user behind it)."""
    return verified_claims(request.app.state.settings, credentials)


VerifiedClaims = Annotated[AccessClaims, Depends(token_claims)]


async def current_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return _bound(await authenticate(session, verified_claims(settings, credentials)))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _bound(principal: Principal) -> Principal:
    """The caller, named in every log line of the request from here on."""
    structlog.contextvars.bind_contextvars(
        tenant_id=str(principal.tenant.id), user_id=str(principal.user.id)
    )
    return principal


async def principal_snapshot(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a request that reads nothing but what the principal holds: the same checks
    as `current_principal`, its user and tenant untracked snapshots read by one statement that
    is the request's one transaction, scoped to the token's tenant, without a session. A route
    that takes this takes no session (that would be a second transaction).

    The database and settings come from the request, not as dependencies of their own: each
    dependency FastAPI resolves costs about as much as this function's own Python."""
    claims = verified_claims(request.app.state.settings, credentials)
    return await _snapshot(get_database(request), claims)


async def _snapshot(db: Database, claims: AccessClaims) -> Principal:
    async with db.statements() as connection:
        return _bound(await authenticate_snapshot(connection, claims))


PrincipalSnapshot = Annotated[Principal, Depends(principal_snapshot)]


def _allowed(principal: Principal, roles: tuple[Role, ...]) -> Principal:
    if principal.role not in roles:
        raise Forbidden("Your role does not allow this.")
    return principal


def require_role(*roles: Role) -> object:
    async def dependency(principal: CurrentPrincipal) -> Principal:
        return _allowed(principal, roles)

    return Depends(dependency)


TenantAdmin = Annotated[Principal, require_role(Role.tenant_admin)]
PlatformAdmin = Annotated[Principal, require_role(Role.platform_admin)]


_READER = "bitnexus.reader"


async def read_session(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AsyncIterator[ReadSession]:
    """The request's read-only unit of work, scoped to its caller's tenant, on a replica when
    one is usable (docs/replicas.md), for a route that only reads what may lag the primary by
    a few seconds (dashboards, the marketplace, the ledger explorer). A route that writes, or
    reads back what its caller just changed, takes `SessionDep`. The caller: `caller_reads`."""
    claims = verified_claims(request.app.state.settings, credentials)
    async with caller_reads(get_reads(request), get_database(request), claims) as session:
        yield session


@asynccontextmanager
async def caller_reads(
    reads: Reads, db: Database, claims: AccessClaims, settings: Sequence[Setting] = ()
) -> AsyncIterator[ReadSession]:
    """`read_session`'s unit of work for the caller of verified `claims` (`reader` names them),
    its transaction begun with `settings` (`core.db.configure`).

    The caller is checked on the primary: a suspension or a sign-out takes effect at once. With
    no replica, that check is the unit of work's first read. With replicas, it comes first, in
    one statement (`PrincipalSnapshot`), and a replica serves the request only if it has the
    caller with the role and credentials the primary has (a replica behind on them is passed
    over)."""
    if not reads.replicas:
        async with read_transaction(reads, claims.tenant_id, settings=settings) as session:
            session.info[_READER] = _bound(await authenticate_read(session, claims))
            yield session
        return
    caller = await _snapshot(db, claims)

    async def has_caller(session: AsyncSession) -> bool:
        found = await principal_in(session, caller.claims)
        if found is None or found.role is not caller.role:
            return False
        if found.user.credential_version != caller.user.credential_version:
            return False
        session.info[_READER] = found
        return True

    async with read_transaction(reads, caller.tenant.id, has_caller, settings) as session:
        yield session


# ends after the response is sent (unlike `SessionDep`): a read-only transaction has nothing
# its end could lose, so the client need not wait for it. An error the route raises still
# passes through `read_transaction` first (a replica's conflict answers 503).
ReadSessionDep = Annotated[ReadSession, Depends(read_session)]


def reader(session: ReadSession) -> Principal:
    """The caller of a `caller_reads` unit of work, as it read them."""
    principal: Principal | None = session.info.get(_READER)
    if principal is None:  # gone from the primary since the caller was checked
        raise SessionExpired("Unknown user.")
    return principal


async def read_principal(session: ReadSessionDep) -> Principal:
    return reader(session)


# the caller of a route that takes `ReadSessionDep`, as its read-only unit of work reads them
ReadPrincipal = Annotated[Principal, Depends(read_principal)]


def require_read_role(*roles: Role) -> object:
    """`require_role` for a route that takes `ReadSessionDep`."""

    async def dependency(principal: ReadPrincipal) -> Principal:
        return _allowed(principal, roles)

    return Depends(dependency)


ReadTenantAdmin = Annotated[Principal, require_read_role(Role.tenant_admin)]


def still_allowed(
    db: Database,
    settings: Settings,
    token: str,
    *roles: Role,
    rule: Callable[[Principal], bool] = lambda _principal: True,
) -> Callable[[], Awaitable[bool]]:
    """For a long-lived connection (a stream): whether the caller of `token` could open it now,
    by the checks of every request (expiry, suspension of user or tenant, password change) and,
    when given, one of `roles` and the `rule`. Each call reads the caller in a unit of work of
    its own."""

    async def check() -> bool:
        try:
            principal = await principal_of(db, settings, token)
        except BitnexusError:
            return False
        return (not roles or principal.role in roles) and rule(principal)

    return check


async def principal_of(db: Database, settings: Settings, token: str) -> Principal:
    """The caller of `token` as of now, by the checks of every request, read in a unit of work
    of its own (a long-lived connection's caller, checked again): `SessionExpired` (401) for a
    token no longer valid, `UserSuspended` or `TenantSuspended` (403)."""
    claims = decode_access_token(settings.secret, token)
    if claims is None:
        raise SessionExpired("The access token is invalid or expired.")
    async with db.sessionmaker() as session, session.begin():
        return await authenticate(session, claims)
