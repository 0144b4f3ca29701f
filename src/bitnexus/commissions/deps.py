"""`SaleReporter` and `report_sale`: who reports a sale or refund, behind one bearer header:
a vendor's server with a `conversions:write` API key, or a member signed in to the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeGuard

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys import service as apikeys
from bitnexus.apikeys.models import PREFIXES, Mode, Scope
from bitnexus.auth import current_principal
from bitnexus.commissions.schemas import ConversionCreate, LeadCreate
from bitnexus.commissions.service import conversions
from bitnexus.commissions.service.attribution import NotYet
from bitnexus.commissions.service.conversions import Recorded, Reporter
from bitnexus.commissions.service.desk import SaleDesk
from bitnexus.core.db import Database
from bitnexus.core.deps import SessionDep, SettingsDep, get_database, get_settings, transaction
from bitnexus.core.errors import Unauthorized

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key with the conversions:write scope (bnx_live_… or bnx_test_…), "
    "or an access token from login",
)


def _is_api_key(
    credentials: HTTPAuthorizationCredentials | None,
) -> TypeGuard[HTTPAuthorizationCredentials]:
    return credentials is not None and credentials.credentials.startswith(tuple(PREFIXES.values()))


SaleCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def sale_reporter(
    session: SessionDep, settings: SettingsDep, credentials: SaleCredentials
) -> Reporter:
    if credentials is None:
        raise Unauthorized("Send an API key or an access token as a bearer token.")
    if _is_api_key(credentials):
        caller = await apikeys.authenticate(
            session, credentials.credentials, Scope.conversions_write
        )
        return Reporter(caller.tenant, caller.user, "api", test=caller.key.mode == Mode.test)
    principal = await current_principal(session, settings, credentials)
    return Reporter(principal.tenant, principal.user, "app")


SaleReporter = Annotated[Reporter, Depends(sale_reporter)]


async def report_sale(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    body: ConversionCreate | LeadCreate,
) -> Recorded:
    """Record a sale: by API key through the process's sale desk (batched with the reports that
    arrive meanwhile), or by a signed-in member in a unit of work of its own."""
    if _is_api_key(credentials):
        desk: SaleDesk = request.app.state.sales
        return await desk.report(credentials.credentials, body)
    settings = await get_settings(request)

    async def reporter_of(session: AsyncSession) -> Reporter:
        return await sale_reporter(session, settings, credentials)

    return await record_sale(get_database(request), reporter_of, body)


async def record_sale(
    db: Database,
    reporter_of: Callable[[AsyncSession], Awaitable[Reporter]],
    body: ConversionCreate | LeadCreate,
) -> Recorded:
    """Record one sale in a unit of work of its own, its reporter found in it (`reporter_of`).
    A sale whose click is not stored yet is tried again in a new unit of work: the wait between
    holds no transaction open."""
    while True:
        async with transaction(db) as session:
            outcome = await conversions.record(session, await reporter_of(session), body)
        if not isinstance(outcome, NotYet):
            return outcome
        await asyncio.sleep(conversions.CLICK_POLL_SECONDS)
