"""Recruiting in Chromium: an applicant fills the join page, the admin approves in the queue and
the mailed link finishes the sign-up; a rejection mails its reason."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.conftest import login
from tests.factories import PASSWORD, Program, mail_read_by, signup_link_token, unique_email
from tests.recruiting.support import apply, make_programme

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def test_an_applicant_is_approved_and_finishes_signing_up(
    new_context: NewContext, live_program: Program
) -> None:
    # given an organisation with terms and questions on its join page
    admin = live_program.admin
    await make_programme(admin)
    email = unique_email("joiner")
    visitor = await (await new_context()).new_page()
    await visitor.goto(f"/join/{admin.slug}")
    await expect(visitor.get_by_role("heading", level=1)).to_contain_text("as an affiliate")
    await expect(visitor.get_by_test_id("terms")).to_contain_text("Be honest.")
    await expect(visitor.get_by_test_id("commission")).to_contain_text("Cookie window")

    # when they fill the form but forget to accept the terms
    await visitor.get_by_label("Name").fill("Jo Joiner")
    await visitor.get_by_label("Email").fill(email)
    await visitor.get_by_label("Your website").fill("https://jo.example")
    await visitor.get_by_role("radio", name="Large").check()
    await (
        visitor.get_by_role("group", name="Promoted courses before? (optional)")
        .get_by_role("radio", name="No")
        .check()
    )
    await visitor.get_by_role("button", name="Apply to join").click()

    # then the form says so, and once accepted the application is sent
    await expect(visitor.get_by_text("Accept the terms (version 1).")).to_be_visible()
    await visitor.get_by_label("I accept the programme terms (version 1)").check()
    await visitor.get_by_role("button", name="Apply to join").click()
    await expect(visitor.get_by_test_id("applied")).to_contain_text(email)

    # when the admin opens the queue and approves it
    page = await login(await new_context(), admin)
    await page.get_by_role("link", name="Recruiting").first.click()
    await expect(page.get_by_role("heading", name="Recruiting", level=1)).to_be_visible()
    row = page.get_by_test_id("application").filter(has_text=email)
    await expect(row).to_contain_text("https://jo.example")
    await expect(row).to_contain_text("Accepted the terms (version 1)")
    await row.get_by_role("button", name="Approve Jo Joiner").click()
    await expect(page.get_by_test_id("application").filter(has_text=email)).to_have_count(0)
    await page.get_by_label("Show").select_option("approved")
    await expect(page.get_by_test_id("application").filter(has_text=email)).to_contain_text(
        "Approved"
    )

    # then the mailed link lets the applicant choose a password and land in the app
    token = signup_link_token(await mail_read_by(admin, email))
    await visitor.goto(f"/join/confirm?token={token}")
    await visitor.get_by_label("Password").fill(PASSWORD)
    await visitor.get_by_role("button", name="Create account").click()
    await expect(visitor).to_have_url(re.compile(r"/app$"))


async def test_a_rejection_mails_the_reason(new_context: NewContext, live_program: Program) -> None:
    # given a pending application
    admin = live_program.admin
    programme = await make_programme(admin)
    email = unique_email("declined")
    assert (await apply(admin.client, programme, email, name="Dee Clined")).status_code == 202

    # when the admin rejects it with a reason
    page = await login(await new_context(), admin)
    await page.goto("/app/recruiting")
    row = page.get_by_test_id("application").filter(has_text=email)
    await row.get_by_role("button", name="Reject Dee Clined").click()
    await row.get_by_label("Reason (mailed to the applicant)").fill("We only take course creators.")
    await row.get_by_role("button", name="Reject and mail the reason").click()

    # then it leaves the pending list and the applicant is mailed the reason
    await expect(page.get_by_test_id("application").filter(has_text=email)).to_have_count(0)
    await page.get_by_label("Show").select_option("rejected")
    rejected = page.get_by_test_id("application").filter(has_text=email)
    await rejected.get_by_role("button", name="Details of Dee Clined").click()
    await expect(rejected.get_by_test_id("decision")).to_contain_text(
        "Reason: We only take course creators."
    )
    assert "We only take course creators." in await mail_read_by(admin, email)
