"""Journey: a caseworker who has forgotten their password follows "Forgotten your password?" from the
sign-in page, gives their email address, opens the emailed link, mistypes the new password once, sets
it, and signs in with it and a code from their authenticator app (the reset does not get round the
second factor). axe at desktop and phone width on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts import two_factor
from accounts.models import User
from tests.journeys.conftest import DESKTOP, check_at_both_widths, sign_in
from tests.two_factor_helpers import app_code

pytestmark = pytest.mark.browser
NEW = "a kettle of grey herons"


def test_a_caseworker_resets_a_forgotten_password_and_still_gives_a_code(
    page: Page, live_server, live_partnership, axe, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the email goes as the request commits
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    user = live_partnership.users["caseworker"]
    User.objects.filter(pk=user.pk).update(email="casey.worker@council.example.org")
    device = two_factor.unconfirmed_device(user)
    two_factor.confirm(user, device)
    mail.outbox.clear()
    page.set_viewport_size(DESKTOP)

    page.goto("/accounts/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Reset your password", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_label("Email address").fill("casey.worker")
    page.get_by_role("button", name="Email me a link").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name=re.compile("Enter an email address in the correct format"))).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_label("Email address").fill("casey.worker@council.example.org")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    [email] = mail.outbox
    link = re.search(rf"{re.escape(live_server.url)}/accounts/password/reset/\S+/", email.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password", level=1)).to_be_visible()
    assert page.url.endswith("/accounts/password/reset/"), "the token has left the address"
    check_at_both_widths(page, axe)

    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill("a kettle of grey heron")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert").get_by_role("link", name="Enter the same new password twice")).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password has been reset. Sign in with your new password")).to_be_visible()

    sign_in(page, "caseworker", NEW)
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto(link)
    expect(page.get_by_role("heading", name="This link has expired", level=1)).to_be_visible()
