"""Outgoing mail over real SMTP (a local aiosmtpd server) and the external-database mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bitnexus.app import create_app
from bitnexus.core import provision
from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls, libpq
from tests.factories import signup_org
from tests.smtp import Inbox, smtp_server
from tests.waiting import eventually


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as running:
        yield running


async def test_password_reset_mail_goes_out_over_smtp_after_commit(
    settings: Settings, db_urls: DatabaseUrls, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    with_smtp = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
    app = create_app(with_smtp, db_urls)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        admin = await signup_org(c)
        r = await c.post(
            "/api/v1/auth/password-reset/request",
            json={"organisation": admin.slug, "email": admin.email},
        )
        assert r.status_code == 202
        await eventually(inbox.received, "the reset mail reached the SMTP server")
        dev_mailbox = (await c.get("/api/v1/dev/mailbox", headers=admin.headers)).json()

    [msg] = inbox.messages
    assert msg["To"] == admin.email
    assert msg["Subject"] == "Reset your BitNexus password"
    assert "reset-password?token=bnxt_" in msg.get_content()
    assert "bitnexus" in inbox.senders[0].lower()
    assert all(m["to"] != admin.email for m in dev_mailbox)  # SMTP replaces the dev mailbox


def test_external_database_mode_uses_given_urls(
    settings: Settings, db_urls: DatabaseUrls, tmp_path: Path
) -> None:
    external = Settings(
        DATABASE_URL=libpq(db_urls.owner),
        DATABASE_APP_URL=libpq(db_urls.app),
        BITNEXUS_DATA_DIR=tmp_path,
        BITNEXUS_SECRET_KEY=settings.secret,
    )
    urls = provision.migrate(external)  # checks version >= 15 and `vector`, then migrates
    assert urls.superuser is None
    assert urls.owner.username == "bitnexus_owner"
    assert urls.app.username == "bitnexus_app"
    assert provision.pending_migrations(urls) is False
    assert not (tmp_path / "pg").exists()  # no embedded server was started


def test_unreachable_external_database_is_a_clear_error(tmp_path: Path) -> None:
    external = Settings(
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", BITNEXUS_DATA_DIR=tmp_path
    )
    with pytest.raises(provision.DatabaseNotSuitable, match="cannot connect"):
        provision.migrate(external)
