"""An affiliate downloads their commissions from the page's Export button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import download_of, login
from tests.factories import Program

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
async def test_commissions_page_downloads_the_table(
    new_context: NewContext, live_program: Program, fmt: str
) -> None:
    # given the affiliate on their commissions page
    page = await login(await new_context(accept_downloads=True), live_program.affiliate)
    await page.goto("/app/commissions")
    await expect(page.get_by_role("heading", name="Commissions", level=1)).to_be_visible()

    # when they export it
    download = await download_of(page, page.get_by_role("button", name=f"Export as {fmt}"))

    # then the file is named for the table and the organisation, with the table's columns
    slug = live_program.admin.slug
    assert download.suggested_filename.startswith(f"commissions-{slug}-")
    assert download.suggested_filename.endswith(f".{fmt.lower()}")
    body = await anyio.Path(await download.path()).read_bytes()
    if fmt == "CSV":
        assert body.decode("utf-8-sig").startswith("Created (UTC),Product,Kind,Level,Sale,")
    else:
        assert body.startswith(b"PK")  # a zip: the workbook
