"""Access grants in the browser: the system administrator grants the outreach officer one young
person until a date; the outreach officer opens that record; the administrator ends the grant; the
outreach officer now gets "Page not found". Every new page is scanned with axe at desktop width
and at 320 px (phone), and must not scroll sideways at 320 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.journeys.conftest import DESKTOP, check_at_both_widths, sign_in

pytestmark = pytest.mark.browser


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def fill_date(page: Page, legend: str, when) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def sign_in_as(page: Page, username: str) -> None:
    sign_in(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_administrator_grants_and_ends_access_and_the_user_loses_the_record(
    page: Page, live_partnership, axe, screenshot
):
    p = live_partnership
    child = p.unlinked_child
    until = timezone.localdate() + timedelta(days=21)
    page.set_viewport_size(DESKTOP)

    # The administrator grants the outreach officer one young person until a date.
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Access grants").click()
    expect(page.get_by_role("heading", name="Access grants", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Current access grants")).to_contain_text(p.mentee.reference)
    check_at_both_widths(page, axe)
    screenshot("list")

    page.get_by_role("button", name="Grant access").click()
    expect(page.get_by_role("heading", name="Grant access to a young person's record", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    # Nothing entered: a GOV.UK error summary in plain English, which takes the focus.
    page.get_by_role("button", name="Grant access").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the user who needs access")
    expect(summary).to_contain_text("Enter the young person's reference")
    expect(summary).to_contain_text("Enter the last day the access works")
    expect(summary).to_be_focused()
    check_at_both_widths(page, axe)
    screenshot("errors")

    # The user is found, not chosen from a list of everyone: the autocomplete ticks the one chosen.
    page.get_by_role("combobox", name="Find a user").press_sequentially("outre", delay=30)
    page.get_by_role("option", name=re.compile(r"^outreach")).click()
    expect(page.get_by_role("group", name="User").get_by_label(re.compile(r"^outreach"))).to_be_checked()
    page.get_by_label("Young person's reference").fill(child.reference)
    page.get_by_label("Reason").fill("Seconded to the Topaz team for the summer")
    fill_date(page, "Last day of access", until)
    page.get_by_role("button", name="Grant access").click()
    expect(page.get_by_role("alert")).to_contain_text(f"outreach can now see the record of {child.reference}")
    row = page.get_by_role("row").filter(has_text=child.reference)
    expect(row).to_contain_text("outreach")
    expect(row).to_contain_text("Active")
    expect(page.locator("body")).not_to_contain_text(child.family_name)
    check_at_both_widths(page, axe)
    sign_out(page)

    # The outreach officer sees that young person, and opens the record.
    sign_in_as(page, "outreach")
    caseload = page.get_by_role("table", name="Children you can see")
    expect(caseload.get_by_role("link", name=full_name(child))).to_be_visible()
    expect(caseload.get_by_role("row")).to_have_count(2)  # header + the one child
    caseload.get_by_role("link", name=full_name(child)).click()
    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name(child))
    sign_out(page)

    # The administrator ends the grant.
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Access grants").click()
    page.get_by_role("link", name=f"End access of outreach to {child.reference}").click()
    expect(page.get_by_role("heading", name="End access for outreach", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("button", name="End access").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the access is ending")
    check_at_both_widths(page, axe)
    page.get_by_label("Why is this access ending?").fill("Secondment finished early")
    page.get_by_role("button", name="End access").click()
    expect(page.get_by_role("alert")).to_contain_text(f"outreach can no longer see the record of {child.reference}")
    past = page.get_by_role("table", name=re.compile(r"^Past access grants"))
    ended = past.get_by_role("row").filter(has_text=child.reference)
    expect(ended).to_contain_text("Ended")
    expect(ended).to_contain_text("Secondment finished early")
    check_at_both_widths(page, axe)
    screenshot("ended")
    sign_out(page)

    # The outreach officer now gets "Page not found".
    sign_in_as(page, "outreach")
    response = page.goto(f"/children/{child.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(child.family_name)
    axe(page)
