"""Health checks and the development mailbox."""

from __future__ import annotations

import datetime as dt
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from bitnexus.accounts.errors import SessionExpired
from bitnexus.accounts.models import Role
from bitnexus.auth import CurrentPrincipal
from bitnexus.core.config import Settings
from bitnexus.core.deps import SessionDep, get_database
from bitnexus.core.errors import Forbidden, Unauthorized, errors_for
from bitnexus.core.mail import newest_dev_mail, newest_dev_mail_of_every_tenant
from bitnexus.core.provision import VERSION_QUERY, migration_state

health_router = APIRouter(tags=["ops"])
dev_router = APIRouter(prefix="/dev", tags=["dev"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


class MailMessage(BaseModel):
    to: str
    subject: str
    body: str
    sent_at: dt.datetime


@health_router.get("/healthz")
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@health_router.get("/readyz", responses={503: {"model": Health}})
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    checks: dict[str, str] = {}
    try:
        async with get_database(request).engine.connect() as conn:
            version = (await conn.execute(text(VERSION_QUERY))).scalar()
            checks["database"] = "ok"
            checks["migrations"] = migration_state(version)
    except Exception as exc:  # report any failure as unready instead of crashing the probe
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values()) and len(checks) == 2
    return JSONResponse(
        Health(status="ok" if ok else "unavailable", checks=checks).model_dump(),
        status_code=200 if ok else 503,
    )


def serves_dev_mailbox(settings: Settings) -> bool:
    """Whether the app has the development mailbox: in development, and only while it listens
    on loopback, so no one but this machine's user can reach it."""
    if not settings.is_development:
        return False
    if settings.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return False


@dev_router.get("/mailbox", responses=errors_for(Unauthorized, SessionExpired, Forbidden))
async def dev_mailbox(principal: CurrentPrincipal, session: SessionDep) -> list[MailMessage]:
    """Mail the app would have sent: a tenant admin's organisation's, every organisation's for
    a platform admin (development mode on loopback only)."""
    if principal.role is Role.platform_admin:
        mails = await newest_dev_mail_of_every_tenant(session, principal.user.id)
    elif principal.role is Role.tenant_admin:
        mails = await newest_dev_mail(session)
    else:
        raise Forbidden("Only admins read the development mailbox.")
    return [
        MailMessage(to=m.recipient, subject=m.subject, body=m.body, sent_at=m.sent_at)
        for m in mails
    ]
