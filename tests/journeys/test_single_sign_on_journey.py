"""Single sign-on in the browser: the sign-in page offers the agency's identity provider, Chromium
follows the real redirects to the provider (tests/oidc_provider.py, on a local HTTP server thread)
and back, and the person lands signed in; someone with no account here is sent back to the sign-in
page with a message. The sign-in page is scanned with axe at desktop width and at 320 px, with and
without the message."""

import pytest
from playwright.sync_api import Page, expect

from audit.models import AuditAction, AuditEvent
from tests.journeys.conftest import check_at_both_widths
from tests.test_oidc import provider  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def test_a_caseworker_signs_in_with_their_organisations_account_and_a_stranger_is_turned_away(
    page: Page,
    live_partnership,
    axe,
    screenshot,
    settings,
    provider,  # noqa: F811
):
    settings.OIDC_PROVIDER_NAME = "your Test City account"
    caseworker = live_partnership.users["caseworker"]
    caseworker.email = "sam.caseworker@council.example.org"
    caseworker.save(update_fields=["email"])
    provider.id_token_claims = {"amr": ["pwd", "mfa"]}

    page.goto("/accounts/sign-in/")
    choice = page.get_by_role("button", name="Sign in with your Test City account")
    expect(choice).to_be_visible()
    check_at_both_widths(page, axe)
    screenshot("sign-in-page")

    provider.person = {"sub": "idp-1", "email": caseworker.email, "email_verified": True}
    choice.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, user=caseworker, detail__method="oidc").exists()
    page.get_by_role("button", name="Sign out").click()

    provider.person = {"sub": "idp-2", "email": "stranger@council.example.org", "email_verified": True}
    page.get_by_role("button", name="Sign in with your Test City account").click()
    expect(page.get_by_text("You could not be signed in with your Test City account")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_at_both_widths(page, axe)
    screenshot("refused")
