"""Authentication and role dependencies: `CurrentPrincipal`, `TenantAdmin`, `PlatformAdmin`."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bitnexus.accounts.errors import SessionExpired
from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal, authenticate
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import Forbidden, Unauthorized
from bitnexus.core.security import decode_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from login or refresh")


async def current_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("Log in first: no access token was sent.")
    claims = decode_access_token(settings.secret, credentials.credentials)
    if claims is None:
        raise SessionExpired("The access token is invalid or expired.")
    principal = await authenticate(session, claims)
    structlog.contextvars.bind_contextvars(
        tenant_id=str(principal.tenant.id), user_id=str(principal.user.id)
    )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> object:
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden("Your role does not allow this.")
        return principal

    return Depends(dependency)


TenantAdmin = Annotated[Principal, require_role(Role.tenant_admin)]
PlatformAdmin = Annotated[Principal, require_role(Role.platform_admin)]
