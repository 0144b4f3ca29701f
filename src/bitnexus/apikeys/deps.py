"""`api_key(scope)`: the dependency of endpoints that machines call with an API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bitnexus.apikeys import service
from bitnexus.apikeys.models import Scope
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
