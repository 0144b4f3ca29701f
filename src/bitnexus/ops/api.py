"""Health checks, the platform admin's view of the click spool, and the development mailbox."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from bitnexus.accounts.errors import SessionExpired
from bitnexus.accounts.models import Role
from bitnexus.auth import CurrentPrincipal, PlatformAdmin
from bitnexus.core.config import Settings
from bitnexus.core.deps import SessionDep, SettingsDep, get_database
from bitnexus.core.errors import Forbidden, Unauthorized, errors_for
from bitnexus.core.mail import newest_dev_mail, newest_dev_mail_of_every_tenant
from bitnexus.core.provision import VERSION_QUERY, migration_state

health_router = APIRouter(tags=["ops"])
router = APIRouter(prefix="/ops", tags=["ops"])
dev_router = APIRouter(prefix="/dev", tags=["dev"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


SHOWN_FILES = 50  # a quarantine file per spool segment: an answer names the first ones only


class ClickQuarantine(BaseModel):
    """Clicks PostgreSQL refused for their data, kept aside for an operator to mend and hand
    back (docs/marketplace.md, Clicks): how many, and the files (under the data directory; the
    first `SHOWN_FILES` of `file_count`)."""

    quarantined_lines: int
    quarantine_files: list[str]
    file_count: int


class Readiness(Health):
    clicks: ClickQuarantine | None = None


class MailMessage(BaseModel):
    to: str
    subject: str
    body: str
    sent_at: dt.datetime


@health_router.get("/healthz")
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@health_router.get("/readyz", responses={200: {"model": Readiness}, 503: {"model": Readiness}})
async def readyz(request: Request, settings: SettingsDep) -> JSONResponse:
    """The database answers and its schema is at the newest migration; with the count of
    clicks kept aside because PostgreSQL refused them (they do not make the process unready)."""
    checks: dict[str, str] = {}
    try:
        async with get_database(request).engine.connect() as conn:
            version = (await conn.execute(text(VERSION_QUERY))).scalar()
            checks["database"] = "ok"
            checks["migrations"] = migration_state(version)
    except Exception as exc:  # report any failure as unready instead of crashing the probe
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values()) and len(checks) == 2
    answer = Readiness(status="ok" if ok else "unavailable", checks=checks)
    if getattr(request.app.state, "clicks", None) is not None:
        answer.clicks = await _click_quarantine(request, settings)
    return JSONResponse(answer.model_dump(), status_code=200 if ok else 503)


@router.get("/clicks-quarantine", responses=errors_for(Unauthorized, Forbidden))
async def get_click_quarantine(
    admin: PlatformAdmin, request: Request, settings: SettingsDep
) -> ClickQuarantine:
    """Clicks PostgreSQL refused, kept aside in the spool for an operator to mend."""
    return await _click_quarantine(request, settings)


async def _click_quarantine(request: Request, settings: Settings) -> ClickQuarantine:
    kept = await request.app.state.clicks.quarantined()
    return ClickQuarantine(
        quarantined_lines=kept.lines,
        quarantine_files=[_shown(path, settings.data_dir) for path in kept.files[:SHOWN_FILES]],
        file_count=len(kept.files),
    )


def _shown(path: Path, data_dir: Path) -> str:
    """`path` as an operator finds it under the data directory (the answer is public: no
    absolute paths)."""
    try:
        return str(path.resolve().relative_to(data_dir.resolve()))
    except ValueError:
        return path.name


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
