"""Two-factor sign-in in the browser (issue 19): a new member of staff sets up an authenticator app at
their first sign-in (using the key shown as text, as someone who cannot scan the QR code would),
keeps their backup codes, signs in again with a code, and a code that was used already is refused
with an error summary. Every page is scanned with axe at desktop width and at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.journeys.conftest import sign_in
from tests.journeys.test_access_grants_journey import DESKTOP, check_at_both_widths, sign_out
from tests.two_factor_helpers import code_from_secret

pytestmark = pytest.mark.browser


def test_a_new_user_sets_up_two_factor_signs_in_with_a_code_and_a_reused_code_is_refused(
    page: Page, live_partnership, axe, screenshot, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    starter = UserFactory(username="new.starter")
    MembershipFactory(user=starter, agency=live_partnership.agencies["council"], role=Role.CASEWORKER)
    page.set_viewport_size(DESKTOP)

    sign_in(page, "new.starter")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="QR code to add this service to your authenticator app")).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#secret").inner_text()
    screenshot("set-up")

    page.get_by_label("Code").fill(code_from_secret(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is set up")).to_be_visible()
    expect(page.locator(".app-backup-codes li")).to_have_count(10)
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page)

    # The next step's code (the server allows one step of clock drift), so this does not wait 30 s.
    code = code_from_secret(secret, steps_ahead=1)
    sign_in(page, "new.starter")
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page)

    sign_in(page, "new.starter")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("it has been used already")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_at_both_widths(page, axe)
    screenshot("reused-code")
