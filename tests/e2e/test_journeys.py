"""End-to-end journeys in a real Chromium against a real server process."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import api_client, login, login_platform
from tests.factories import PASSWORD, Program, unique_email, unique_slug

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]


async def _signup_org(page: Page, name: str, slug: str, email: str) -> None:
    await page.goto("/signup")
    await page.get_by_label("Organisation name").fill(name)
    await page.get_by_label("Slug").fill(slug)
    await page.get_by_label("Your name").fill("Founding Admin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page).to_have_url(re.compile(r"/app$"))
    await expect(page.get_by_role("heading", name="Welcome, Founding Admin")).to_be_visible()


async def _mailed_link(admin: Page, email: str) -> str:
    """The link in the newest mail to `email`, read by an admin in the development mailbox."""
    await admin.goto("/dev/mailbox")
    mail = admin.locator("section").filter(has_text=email).first
    link = await mail.get_by_role("link").first.get_attribute("href")
    assert link
    return link


async def _join(page: Page, admin: Page, name: str, email: str) -> None:
    """Apply on the open join page, be approved by the admin in the queue, then finish from
    the mailed link."""
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Apply to join").click()
    await expect(page.get_by_test_id("applied")).to_contain_text(email)
    await admin.goto("/app/recruiting")
    await (
        admin.get_by_test_id("application")
        .filter(has_text=email)
        .get_by_role("button", name=f"Approve {name}")
        .click()
    )
    await expect(admin.get_by_test_id("application").filter(has_text=email)).to_have_count(0)
    await page.goto(await _mailed_link(admin, email))
    await expect(page.get_by_text(email)).to_be_visible()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()


async def test_signup_branding_invite_and_referral(new_context: NewContext) -> None:
    admin = await (await new_context()).new_page()
    slug, founder = unique_slug("e2e"), unique_email("founder")
    await _signup_org(admin, "Lumen Learning", slug, founder)

    # branding: change colour and name, and see it applied everywhere at once
    await admin.get_by_role("link", name="Settings").click()
    await admin.get_by_label("Display name").fill("Lumen Academy")
    await admin.get_by_label("Brand colour", exact=True).fill("#0f766e")
    await admin.get_by_role("button", name="Save settings").click()
    await expect(admin.get_by_role("status")).to_contain_text("Settings saved")
    await expect(admin.get_by_test_id("brand")).to_contain_text("Lumen Academy")
    await admin.wait_for_function(  # the colour applies once the saved settings are read back
        "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
        " === '#0f766e'"
    )
    await expect(admin.get_by_role("button", name="Save settings")).to_have_css(
        "background-color", "rgb(15, 118, 110)"
    )

    # invite a vendor, who accepts in their own browser
    await admin.get_by_role("link", name="Users").click()
    vendor_email = unique_email("vendor")
    await admin.get_by_label("Email").fill(vendor_email)
    await admin.get_by_label("Role", exact=True).select_option("vendor")
    await admin.get_by_role("button", name="Send invitation").click()
    invite_url = await admin.get_by_test_id("invite-url").inner_text()
    vendor = await (await new_context()).new_page()
    await vendor.goto(invite_url)
    await expect(vendor.get_by_text(vendor_email)).to_be_visible()
    await vendor.get_by_label("Name").fill("Valerie Vendor")
    await vendor.get_by_label("Password").fill(PASSWORD)
    await vendor.get_by_role("button", name="Accept invitation").click()
    await expect(vendor.get_by_role("heading", name="Welcome, Valerie Vendor")).to_be_visible()
    await expect(vendor.get_by_text("vendor", exact=True)).to_be_visible()

    # an affiliate applies and is approved; a second joins through the first one's referral link
    first = await (await new_context()).new_page()
    await first.goto(f"/join/{slug}")
    await expect(
        first.get_by_role("heading", name="Join Lumen Academy as an affiliate")
    ).to_be_visible()
    await _join(first, admin, "Ariel Affiliate", unique_email("ariel"))
    link = await first.get_by_test_id("referral-link").inner_text()
    code = await first.get_by_test_id("referral-code").inner_text()
    assert link.endswith(f"/join/{slug}?ref={code}")

    second = await (await new_context()).new_page()
    await second.goto(link)
    await expect(second.get_by_label("Referral code")).to_have_value(code)
    second_email = unique_email("benny")
    await _join(second, admin, "Benny Referred", second_email)
    await expect(second.get_by_role("heading", name="Welcome, Benny Referred")).to_be_visible()

    # someone applies with the admin's own address through an older referral address (which
    # leads to the join page): the same answer, and a warning by mail
    intruder = await (await new_context()).new_page()
    await intruder.goto(f"/t/{slug}/join?ref={code}")
    await expect(intruder).to_have_url(re.compile(rf"/join/{slug}\?ref={code}$"))
    await expect(intruder.get_by_label("Referral code")).to_have_value(code)
    await intruder.get_by_label("Name").fill("Ivy Intruder")
    await intruder.get_by_label("Email").fill(founder)
    await intruder.get_by_role("button", name="Apply to join").click()
    await expect(intruder.get_by_test_id("applied")).to_contain_text(founder)
    await admin.goto("/dev/mailbox")
    await expect(
        admin.get_by_role(
            "heading", name="Someone tried to sign up to Lumen Academy with your address"
        )
    ).to_be_visible()

    # the admin sees everyone, and suspends the vendor
    await admin.goto("/app/users")
    row = admin.get_by_test_id(f"user-row-{vendor_email}")
    await expect(row).to_be_visible()
    await expect(admin.get_by_test_id(f"user-row-{second_email}")).to_be_visible()
    await row.get_by_role("button", name="Suspend").click()
    await row.get_by_role("button", name="Cancel").click()  # asked first, and nothing happened
    await expect(row.get_by_role("button", name="Suspend")).to_be_visible()
    await row.get_by_role("button", name="Suspend").click()
    await row.get_by_role("button", name="Suspend user").click()
    await expect(row.get_by_role("button", name="Reactivate")).to_be_visible()
    await vendor.reload()
    await expect(vendor).to_have_url(re.compile(r"/login"))


async def test_second_tenant_cannot_see_first_tenants_users(new_context: NewContext) -> None:
    first = await (await new_context()).new_page()
    first_admin = unique_email("first")
    await _signup_org(first, "First Org", unique_slug("first"), first_admin)

    second = await (await new_context()).new_page()
    await _signup_org(second, "Second Org", unique_slug("second"), unique_email("second"))
    await second.get_by_role("link", name="Users").click()
    await expect(second.get_by_role("heading", name="People")).to_be_visible()
    await expect(second.get_by_text(first_admin)).to_have_count(0)
    await second.get_by_label("Search users").fill(first_admin)
    await expect(second.get_by_text("No users match.")).to_be_visible()


async def test_login_errors_and_phone_width_navigation(new_context: NewContext) -> None:
    ctx = await new_context(viewport={"width": 375, "height": 740})
    page = await ctx.new_page()
    slug, email = unique_slug("phone"), unique_email("phone")
    await _signup_org(page, "Phone Org", slug, email)
    await page.goto("/logout")
    await expect(page).to_have_url(re.compile(r"/login"))

    await page.get_by_label("Organisation").fill(slug)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("definitely-wrong-pass")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("wrong")

    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/app$"))
    await page.get_by_role("button", name="Menu").click()
    await page.get_by_role("link", name="Profile").click()
    await expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


async def test_session_survives_reload_via_refresh_cookie(new_context: NewContext) -> None:
    page = await (await new_context()).new_page()
    await _signup_org(page, "Reload Org", unique_slug("reload"), unique_email("reload"))
    await page.goto("/app/profile")
    await expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    assert (
        await page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length")
        == 0
    )


async def test_password_reset_through_the_dev_mailbox(
    new_context: NewContext, platform_admin: object
) -> None:
    from tests.factories import Account

    assert isinstance(platform_admin, Account)
    page = await (await new_context()).new_page()
    slug, email = unique_slug("reset"), unique_email("reset")
    await _signup_org(page, "Reset Org", slug, email)
    await page.goto("/logout")
    await page.get_by_role("link", name="Forgot password?").click()
    # the router renders the next page in a transition: until it shows, "Organisation" is
    # still the login form's field
    await expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    await page.get_by_label("Organisation").fill(slug)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # the mailbox is an admin's: anonymous visitors are sent to log in; the platform admin,
    # who reads every organisation's mail, hands the link over
    await page.goto("/dev/mailbox")
    await expect(page).to_have_url(re.compile(r"/login"))
    ops = await login_platform(await new_context(), platform_admin)
    await ops.goto("/dev/mailbox")
    mail = ops.locator("section").filter(has_text=email).first
    link = await mail.get_by_role("link").first.get_attribute("href")
    assert link

    await page.goto(link)
    await page.get_by_label("New password").fill("pelican-cobalt-thimble-82")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    await page.goto(f"/login?org={slug}")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("pelican-cobalt-thimble-82")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/app$"))


async def test_platform_admin_suspends_an_organisation(
    new_context: NewContext, platform_admin: object
) -> None:
    from tests.factories import Account

    assert isinstance(platform_admin, Account)
    org_page = await (await new_context()).new_page()
    slug, admin_email = unique_slug("susp"), unique_email("susp")
    await _signup_org(org_page, "Suspendable Org", slug, admin_email)

    ops = await login_platform(await new_context(), platform_admin)
    row = ops.get_by_test_id(f"tenant-row-{slug}")
    await row.get_by_role("button", name="Suspend").click()
    await row.get_by_role("button", name="Suspend organisation").click()
    await expect(row.get_by_text("suspended")).to_be_visible()

    await org_page.goto("/app/profile")
    await expect(org_page).to_have_url(re.compile(r"/login"))
    await org_page.get_by_label("Organisation").fill(slug)
    await org_page.get_by_label("Email").fill(admin_email)
    await org_page.get_by_label("Password").fill(PASSWORD)
    await org_page.get_by_role("button", name="Log in").click()
    await expect(org_page.get_by_role("alert")).to_contain_text("suspended")


async def test_the_platform_organisation_shows_its_sign_up_is_closed(
    new_context: NewContext, platform_admin: object
) -> None:
    page = await (await new_context()).new_page()
    await page.goto("/join/platform")
    await expect(page.get_by_role("alert")).to_contain_text("takes no sign-ups")
    await expect(page.get_by_role("button", name="Apply to join")).to_have_count(0)


async def test_password_change_keeps_this_session_and_sign_out_everywhere_ends_it(
    new_context: NewContext,
) -> None:
    # given: the same admin signed in in two browsers
    page = await (await new_context()).new_page()
    slug, email = unique_slug("sess"), unique_email("sess")
    await _signup_org(page, "Session Org", slug, email)
    other = await (await new_context()).new_page()
    await other.goto(f"/login?org={slug}")
    await other.get_by_label("Email").fill(email)
    await other.get_by_label("Password").fill(PASSWORD)
    await other.get_by_role("button", name="Log in").click()
    await expect(other).to_have_url(re.compile(r"/app$"))

    # when: the password changes in the first browser
    await page.goto("/app/profile")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password").fill("lantern-mosaic-pebble-31")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_contain_text("Password changed")

    # then: this browser goes on (after a reload too), the other one is signed out
    await page.reload()
    await expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    await other.goto("/app/profile")
    await expect(other).to_have_url(re.compile(r"/login"))

    # when / then: signing out everywhere ends this browser's session as well
    await page.get_by_role("button", name="Sign out everywhere").click()
    await expect(page).to_have_url(re.compile(r"/login"))
    await page.goto("/app/profile")
    await expect(page).to_have_url(re.compile(r"/login"))


async def test_a_role_change_is_asked_before_it_is_made(
    new_context: NewContext, live_program: Program
) -> None:
    # given the admin on the users page, and the vendor's row
    admin = await login(await new_context(), live_program.admin)
    await admin.goto("/app/users")
    email = live_program.vendor.email
    row = admin.get_by_test_id(f"user-row-{email}")
    role = row.get_by_label(f"Role of {email}")

    # when another role is picked and the question cancelled, then nothing changed
    await role.select_option("affiliate")
    question = row.get_by_role("group", name=f"Change the role of {email}")
    await expect(question).to_contain_text("an affiliate?")
    await question.get_by_role("button", name="Cancel").click()
    await expect(role).to_have_value("vendor")

    # when it is picked and confirmed, then the user has the new role
    await role.select_option("tenant_admin")
    await row.get_by_role("button", name="Change role").click()
    await expect(question).to_be_hidden()
    async with api_client(str(admin.url).split("/app")[0]) as c:
        users = (await c.get("/api/v1/users", headers=live_program.admin.headers)).json()
    assert {u["email"]: u["role"] for u in users["items"]}[email] == "tenant_admin"
