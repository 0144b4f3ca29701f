"""`SaleReporter`: a vendor's server with a `conversions:write` API key, or a member signed in
to the app, behind one bearer header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bitnexus.accounts.deps import current_principal
from bitnexus.apikeys import service as apikeys
from bitnexus.apikeys.models import PREFIXES, Mode, Scope
from bitnexus.commissions.service.conversions import Reporter
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import Unauthorized

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key with the conversions:write scope (bnx_live_… or bnx_test_…), "
    "or an access token from login",
)


async def sale_reporter(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Reporter:
    if credentials is None:
        raise Unauthorized("Send an API key or an access token as a bearer token.")
    if credentials.credentials.startswith(tuple(PREFIXES.values())):
        caller = await apikeys.authenticate(
            session, credentials.credentials, Scope.conversions_write
        )
        return Reporter(caller.tenant, caller.user, "api", test=caller.key.mode == Mode.test)
    principal = await current_principal(session, settings, credentials)
    return Reporter(principal.tenant, principal.user, "app")


SaleReporter = Annotated[Reporter, Depends(sale_reporter)]
