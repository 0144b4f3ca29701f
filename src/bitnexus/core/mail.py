"""Outgoing mail: SMTP when SMTP_URL is set, else the development mailbox (its table is here).

Mail is handed over only after the transaction that produced it commits, so a rolled-back
request never sends a link to a token that does not exist. The development mailbox files each
mail under the tenant of the transaction that sent it (row security keeps tenants apart).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import smtplib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import structlog
from sqlalchemy import ForeignKey, Identity, PrimaryKeyConstraint, String, Text, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.config import Settings
from bitnexus.core.db import Base, identified_by
from bitnexus.core.rls import CURRENT_TENANT
from bitnexus.core.uow import after_commit

log = structlog.get_logger(__name__)
_in_flight: set[asyncio.Task[None]] = set()


class DevMail(Base):
    """The development mailbox: mail that would have been sent, kept only in development mode."""

    __tablename__ = "dev_mailbox"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[int] = mapped_column(Identity())
    __mapper_args__ = identified_by(id)
    # the tenant of the transaction that sent it (migration 0030)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id"), server_default=text(CURRENT_TENANT)
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str  # plain text
    html: str | None = None  # the same, as HTML (sent as an alternative to the text)
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe


class MailFailed(Exception):
    """The mail server refused or could not be reached: the mail may be tried again."""


def _send_smtp(smtp_url: str, sender: str, mail: Mail) -> None:
    url = urlsplit(smtp_url)
    port = url.port or (465 if url.scheme == "smtps" else 587)
    smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(url.hostname or "localhost", port, timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        for name, value in mail.headers.items():
            msg[name] = value
        msg.set_content(mail.body)
        if mail.html is not None:
            msg.add_alternative(mail.html, subtype="html")
        smtp.send_message(msg)


async def _over_smtp(settings: Settings, mail: Mail) -> None:
    """Hand `mail` to the SMTP server (`MailFailed` when it refuses it or cannot be reached)."""
    assert settings.smtp_url is not None
    try:
        await asyncio.to_thread(_send_smtp, settings.smtp_url, settings.mail_from, mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(str(exc)) from exc
    log.info("mail.sent", to=mail.to, subject=mail.subject)


def _to_dev_mailbox(session: AsyncSession, mail: Mail) -> None:
    session.add(DevMail(recipient=mail.to, subject=mail.subject, body=mail.body))
    log.info("mail.dev_mailbox", to=mail.to, subject=mail.subject, mailbox="/dev/mailbox")


async def send(session: AsyncSession, settings: Settings, mail: Mail) -> None:
    """Queue `mail` for delivery after commit (bodies never go to the log: they hold tokens)."""
    if settings.smtp_url:

        async def deliver() -> None:
            try:
                await _over_smtp(settings, mail)
            except MailFailed as exc:
                log.error("mail.failed", to=mail.to, subject=mail.subject, error=str(exc))

        async def hand_over() -> None:
            # A slow mail server must not hold the response: deliver in the background.
            task = asyncio.get_running_loop().create_task(deliver())
            _in_flight.add(task)
            task.add_done_callback(_in_flight.discard)

        after_commit(session, hand_over)
    elif settings.is_development:
        _to_dev_mailbox(session, mail)
    else:
        log.warning("mail.undeliverable", to=mail.to, subject=mail.subject, reason="no SMTP_URL")


async def send_now(session: AsyncSession, settings: Settings, mail: Mail) -> None:
    """Deliver `mail` at once, for background jobs that retry: over SMTP (`MailFailed` when the
    server refuses it or cannot be reached), else into the development mailbox in the
    session's transaction."""
    if settings.smtp_url:
        await _over_smtp(settings, mail)
    elif settings.is_development:
        _to_dev_mailbox(session, mail)
        await session.flush()
    else:
        raise MailFailed("no SMTP_URL is set")


async def newest_dev_mail(session: AsyncSession, limit: int = 50) -> list[DevMail]:
    """The newest mail of the session's tenant in the development mailbox, newest first."""
    rows = await session.execute(select(DevMail).order_by(DevMail.id.desc()).limit(limit))
    return list(rows.scalars())


async def newest_dev_mail_of_every_tenant(
    session: AsyncSession, platform_admin_id: uuid.UUID, limit: int = 50
) -> list[DevMail]:
    """The newest mail of every tenant, for a platform admin (checked and audited in SQL by
    `bitnexus_dev_mailbox`, migration 0030), newest first."""
    rows = await session.execute(
        text("SELECT * FROM bitnexus_dev_mailbox(:actor, :limit)"),
        {"actor": platform_admin_id, "limit": limit},
    )
    return [DevMail(**row) for row in rows.mappings()]
