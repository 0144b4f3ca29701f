"""`api_key(scope)`: the dependency of endpoints that machines call with an API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys import service
from bitnexus.apikeys.models import PREFIXES, Scope
from bitnexus.apikeys.service import KeyPrincipal
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An API key (bnx_live_… or bnx_test_…)")


def api_key(scope: Scope) -> object:
    async def dependency(
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> KeyPrincipal:
        if credentials is None:
            raise Unauthorized("Send an API key as a bearer token.")
        return await service.authenticate(session, credentials.credentials, scope)

    return Depends(dependency)


LedgerReader = Annotated[KeyPrincipal, api_key(Scope.ledger_read)]


async def ledger_key_of(
    session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> KeyPrincipal | None:
    """The caller of a `ledger:read` key when the bearer token is an API key (refused as
    `LedgerReader` refuses it when it is not a good one); None for any other token, such as a
    member's access token, which the route then checks its own way."""
    if credentials is None or not credentials.credentials.startswith(tuple(PREFIXES.values())):
        return None
    return await service.authenticate(session, credentials.credentials, Scope.ledger_read)
