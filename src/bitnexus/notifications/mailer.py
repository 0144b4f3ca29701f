"""The mail job: notifications on the `mail` channel are mailed in the background, never in
the request that made them, and tried again after a failure.

Each pass asks which organisations have mail due (a platform function), claims a batch of each
for a while (so processes never mail one twice, and a crash frees it), and mails each in a short
transaction of its own. A failure is tried again after RETRY_AFTER[attempt]; after the last one
the notification stays in the app unmailed and the log says so.
"""

from __future__ import annotations

import datetime as dt
import uuid

import structlog

from bitnexus.accounts.service import users as accounts
from bitnexus.core import mail, periodic
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant, utcnow
from bitnexus.notifications import repository, unsubscribe
from bitnexus.notifications.kinds import SPECS, Kind
from bitnexus.notifications.letters import Branding, Letter
from bitnexus.notifications.letters import mail as letter_mail
from bitnexus.notifications.models import Notification
from bitnexus.tenants import service as tenants

log = structlog.get_logger(__name__)

RETRY_AFTER = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
CLAIM = dt.timedelta(minutes=10)
BATCH = 50


async def mail_due(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """One pass: mail what is due in every organisation; how many mails went."""
    now = now or utcnow()
    async with db.sessionmaker() as session, session.begin():
        due = await repository.mail_due_tenants(session, MAX_ATTEMPTS, now)
    sent = 0
    for tenant_id in due:
        sent += await _mail_tenant(db, settings, tenant_id, now)
    return sent


async def _mail_tenant(
    db: Database, settings: Settings, tenant_id: uuid.UUID, now: dt.datetime
) -> int:
    async with db.sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        claimed = await repository.claim_mail(session, now, now + CLAIM, BATCH, MAX_ATTEMPTS)
        tenant = await tenants.current(session, tenant_id)
        people = await accounts.active_users(session, sorted({n.user_id for n in claimed}))
        logo = tenants.logo_url(tenant)
        brand = Branding(
            tenant.display_name, tenant.brand_color, settings.base_url + logo if logo else None
        )
    sent = 0
    for n in claimed:
        user = people.get(n.user_id)
        async with db.sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            if user is None:  # suspended or gone since: told in the app only
                await repository.mail_failed(session, n.id, None)
                continue
            try:
                await mail.send_now(
                    session,
                    settings,
                    letter_mail(brand, _letter(settings, n, user.email, user.name)),
                )
            except mail.MailFailed as failed:
                retry = RETRY_AFTER[n.mail_attempts] if n.mail_attempts < len(RETRY_AFTER) else None
                await repository.mail_failed(session, n.id, now + retry if retry else None)
                log.warning(
                    "notifications.mail_failed",
                    notification_id=n.id,
                    attempt=n.mail_attempts + 1,
                    retry=retry is not None,
                    error=str(failed),
                )
                continue
            await repository.mailed(session, n.id, now)
            sent += 1
    return sent


def _letter(settings: Settings, n: Notification, to: str, name: str) -> Letter:
    kind = Kind(n.kind)
    token = unsubscribe.token(
        settings.secret, unsubscribe.Unsubscribe(n.tenant_id, n.user_id, kind)
    )
    return Letter(
        to=to,
        name=name,
        title=n.title,
        body=n.body,
        open_url=settings.app_url + n.link,
        unsubscribe_url=f"{settings.app_url}/unsubscribe?token={token}",
        kind_label=SPECS[kind].label,
    )


async def run_mailer(db: Database, settings: Settings, every_seconds: float) -> None:
    """Mail due notifications every `every_seconds` until cancelled."""
    await periodic.every(
        "notification_mailer",
        every_seconds,
        lambda: mail_due(db, settings),
        failed="notifications.mailer_failed",
    )
