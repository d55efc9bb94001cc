"""Journey: a caseworker sees where they are signed in and signs out a browser they do not recognise,
after giving their password again (a wrong one first). axe at desktop and phone width."""

import pytest
from playwright.sync_api import Browser, expect

from tests.journeys.conftest import DESKTOP, PASSWORD, check_at_both_widths, sign_in

pytestmark = pytest.mark.browser


def test_a_caseworker_signs_out_a_session_they_do_not_recognise(browser: Browser, live_server, signed_in, axe):
    elsewhere = browser.new_context(base_url=live_server.url, locale="en-GB", user_agent="Unrecognised browser")
    try:
        other_page = elsewhere.new_page()
        sign_in(other_page, "caseworker")
        expect(other_page.get_by_role("button", name="Sign out")).to_be_visible()

        page = signed_in("caseworker")
        page.set_viewport_size(DESKTOP)
        page.get_by_role("link", name="Your sessions").click()
        expect(page.get_by_role("heading", name="Where you are signed in", level=1)).to_be_visible()
        expect(page.locator(".govuk-summary-card")).to_have_count(2)
        expect(page.locator(".govuk-summary-card", has_text="Unrecognised browser")).not_to_contain_text("This session")
        expect(page.get_by_text("This session")).to_be_visible()
        check_at_both_widths(page, axe)

        page.get_by_label("Your password").fill("not my password")
        page.get_by_role("button", name="Sign out of all other sessions").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("There is a problem")
        expect(summary.get_by_role("link", name="The password is not right")).to_be_visible()
        check_at_both_widths(page, axe)

        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Sign out of all other sessions").click()
        expect(page.get_by_text("Signed out of 1 other session")).to_be_visible()
        expect(page.get_by_text("You are not signed in anywhere else")).to_be_visible()
        check_at_both_widths(page, axe)

        other_page.reload()
        expect(other_page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        elsewhere.close()


def test_a_caseworker_changes_their_password_and_signs_in_with_the_new_one(signed_in, axe):
    page = signed_in("caseworker")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Your sessions").click()
    page.get_by_role("link", name="change your password").click()
    expect(page.get_by_role("heading", name="Change your password", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_label("Your current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("a kettle of grey herons")
    page.get_by_label("New password again").fill("a kettle of grey herons")
    page.get_by_role("button", name="Change password").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Your current password is not right")).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a kettle of grey herons")
    page.get_by_label("New password again").fill("a kettle of grey herons")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "caseworker", "a kettle of grey herons")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
