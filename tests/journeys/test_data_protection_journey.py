"""The data protection officer in the browser: changes a retention rule (a bad period is refused in
an error summary), reviews the records due for disposal (holds one with a reason, disposes of
another), and prepares a young person's subject access export, decides on the flagged items and
downloads it. Every page is scanned with axe at 320 px and desktop width."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from cases.models import Child, Involvement
from oversight import services
from tests.factories import ChildFactory
from tests.journeys.conftest import DESKTOP, check_at_both_widths, sign_in

pytestmark = pytest.mark.browser


def closed_child(agency, born: date) -> Child:
    child = ChildFactory()
    Involvement.objects.create(agency=agency, child=child, started_on=date(2010, 1, 1), ended_on=date(2012, 1, 1))
    Child.objects.filter(pk=child.pk).update(status="closed", date_of_birth=born)
    return child


@pytest.fixture
def default_rules(live_partnership):
    """The starting rules the migration adds: a browser test's database is emptied between tests."""
    for migration in ("0002_default_retention_rules", "0004_more_default_retention_rules"):
        import_module(f"oversight.migrations.{migration}").add_defaults(apps, None)


def error_summary(page: Page, message: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(message)


def test_the_dpo_sets_retention_reviews_disposal_and_releases_a_subject_access_export(
    page: Page, live_partnership, default_rules, axe, screenshot
):
    p = live_partnership
    council = p.agencies["council"]
    to_hold, to_dispose = closed_child(council, date(1995, 1, 1)), closed_child(council, date(1996, 1, 1))
    services.find_due()
    page.set_viewport_size(DESKTOP)
    sign_in(page, "dpo")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Retention rules: a period of 0 years is refused; 8 years is saved.
    page.get_by_role("link", name="Audit").click()
    page.get_by_role("link", name="Retention rules").click()
    expect(page.get_by_role("heading", name="How long records are kept", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    screenshot("rules")
    page.get_by_role("link", name="Change retention for volunteer mentor's vetting record (left)").click()
    page.get_by_label("Years to keep the records").fill("0")
    page.get_by_role("button", name="Save").click()
    error_summary(page, "Years to keep the records must be 1 or more")
    check_at_both_widths(page, axe)
    page.get_by_label("Years to keep the records").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="Retention rules")).to_contain_text("8 years from last activity")

    # The disposal review: nothing ticked is refused; one record held with a reason, the other disposed of.
    page.get_by_role("link", name="Review records due for disposal").click()
    expect(page.get_by_role("heading", name="Records due for disposal", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("button", name="Dispose of selected records").click()
    error_summary(page, "Select at least one record")
    check_at_both_widths(page, axe)
    page.get_by_label(f"Select {to_hold.reference}").check()
    page.get_by_label("Reason for holding").fill("Legal hold: civil claim")
    page.get_by_role("button", name="Hold selected records").click()
    expect(page.get_by_text("1 record held")).to_be_visible()
    page.get_by_label(f"Select {to_dispose.reference}").check()
    page.get_by_role("button", name="Dispose of selected records").click()
    expect(page.get_by_text("1 record disposed of")).to_be_visible()
    expect(page.get_by_text(to_dispose.reference)).to_have_count(0)
    expect(page.get_by_text("Legal hold: civil claim")).to_be_visible()
    screenshot("review")
    assert not Child.objects.filter(pk=to_dispose.pk).exists()

    # A subject access export of the council's young person (their family names their mother).
    page.get_by_role("link", name="Audit").click()
    page.get_by_role("link", name="Subject access exports").click()
    check_at_both_widths(page, axe)
    page.get_by_role("button", name="Prepare export").click()
    error_summary(page, "Enter the young person's partnership reference")
    check_at_both_widths(page, axe)
    page.get_by_label("Partnership reference of the young person").fill(p.council_child.reference)
    page.get_by_label("Request details").fill("Asked in person on 1 May; passport seen")
    page.get_by_role("button", name="Prepare export").click()
    expect(page.get_by_role("heading", name="Items for a reviewer")).to_be_visible()
    expect(page.get_by_role("link", name="Download JSON")).to_have_count(0)
    check_at_both_widths(page, axe)
    screenshot("export")

    card = page.locator(".govuk-summary-card", has_text="Family FA-T0001")
    card.get_by_label("Withhold").check()
    card.get_by_role("button", name="Record decision").click()
    error_summary(page, "Enter the reason, for example the exemption that applies")
    check_at_both_widths(page, axe)
    card = page.locator(".govuk-summary-card", has_text="Family FA-T0001")
    card.get_by_label("Release with other people's details removed").check()
    card.get_by_label("Reason").fill("The mother's details are hers")
    card.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision: Release with other people's details removed")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    assert download.value.suggested_filename.endswith(".json")
    assert p.council_child.reference in download.value.path().read_text()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF").click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")
