"""The platform admin's page says when the database refused clicks and where they are kept."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from bitnexus.core.config import Settings
from bitnexus.tracking.recorder import quarantine
from tests.e2e.conftest import login_platform
from tests.factories import Account

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_the_platform_admin_sees_the_clicks_kept_aside(
    new_context: NewContext, platform_admin: object, settings: Settings
) -> None:
    assert isinstance(platform_admin, Account)
    # given: a click the database refused, kept aside in the server's spool (as a replay does)
    refused = quarantine.Refusal(b'["a click"]\n', "value too long for type", "22001")
    segment = f"clicks-0-{uuid.uuid4().hex}.spool"
    now = dt.datetime.now(dt.UTC)
    kept, _ = quarantine.add(settings.data_dir / "clicks-spool", segment, [refused], now)
    try:
        # when: the platform admin logs in
        page = await login_platform(await new_context(), platform_admin)
        # then: the page says clicks were refused, and names the file
        card = page.get_by_test_id("click-quarantine")
        await expect(card).to_contain_text("refused by the database")
        await expect(card).to_contain_text(f"clicks-spool/quarantine/{kept.name}")
    finally:
        kept.unlink(missing_ok=True)
