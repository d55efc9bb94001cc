"""Browser journeys from the issue's acceptance criteria, each with an axe-core scan of every page
it visits. Run with `make test-browser` (or `pytest -m browser tests/journeys`)."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.browser


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def fill_date(page: Page, legend: str, day, month, year) -> None:
    """A GOV.UK date input: day, month and year boxes in a fieldset named by its legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_caseworker_signs_in_sees_their_children_and_opens_a_record(page: Page, live_partnership, axe, screenshot):
    p = live_partnership
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    axe(page)

    page.get_by_label("Username").fill("caseworker")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    caseload = page.get_by_role("table", name="Children you can see")
    expect(caseload.get_by_role("link", name=full_name(p.council_child))).to_be_visible()
    expect(caseload.get_by_role("link", name=full_name(p.shared_child))).to_be_visible()
    expect(page.get_by_text(full_name(p.voluntary_child))).to_have_count(0)
    expect(page.get_by_text(full_name(p.unlinked_child))).to_have_count(0)
    axe(page)
    screenshot("home")

    caseload.get_by_role("link", name=full_name(p.council_child)).click()
    expect(page).to_have_url(re.compile(rf"/children/{p.council_child.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name(p.council_child))
    expect(page.get_by_text(p.council_child.reference)).to_be_visible()
    expect(page.get_by_role("table", name="Agencies involved")).to_contain_text(p.agencies["council"].name)
    axe(page)
    screenshot("child")

    page.get_by_role("link", name=re.compile(r"^Change details")).click()
    expect(page.get_by_role("heading", name="Change details", level=1)).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_value(p.council_child.given_name)
    date_of_birth = page.get_by_role("group", name="Date of birth")
    expect(date_of_birth.get_by_label("Year")).to_have_value(str(p.council_child.date_of_birth.year))
    axe(page)


def test_caseworker_finds_a_child_by_reference(signed_in, live_partnership, axe):
    p = live_partnership
    page = signed_in("caseworker")
    page.get_by_role("link", name="Find a child").click()
    expect(page.get_by_role("heading", name="Find a child", level=1)).to_be_visible()
    axe(page)

    # Nothing entered: the form explains what it needs.
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(re.compile(r"Enter a name, a date of birth or"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    axe(page)

    reference = page.get_by_label(re.compile(r"^(Partnership reference|Reference or identifier)$"))
    reference.fill(p.shared_child.reference)
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table", name="Search results")
    expect(results.get_by_role("link", name=full_name(p.shared_child))).to_be_visible()
    expect(results.get_by_role("row")).to_have_count(2)  # header + one child
    axe(page)

    # A child no agency of theirs works with is not found, even by exact reference.
    reference.fill(p.voluntary_child.reference)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table", name="Search results")).to_contain_text("No children you can see match")
    expect(page.get_by_text(full_name(p.voluntary_child))).to_have_count(0)


def test_voluntary_worker_gets_not_found_for_a_council_child(signed_in, live_partnership, axe, screenshot):
    p = live_partnership
    page = signed_in("voluntary")
    expect(page.get_by_role("table", name="Children you can see")).to_contain_text(full_name(p.voluntary_child))

    response = page.goto(f"/children/{p.council_child.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Page not found"))
    expect(page.locator("body")).not_to_contain_text(p.council_child.given_name)
    expect(page.locator("body")).not_to_contain_text(p.council_child.family_name)
    expect(page.locator("body")).not_to_contain_text(p.council_child.reference)
    axe(page)
    screenshot("404")

    # The edit page is no different from a record that does not exist.
    response = page.goto(f"/children/{p.council_child.pk}/edit/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()


def test_sign_out(signed_in, live_partnership, axe):
    page = signed_in("caseworker")
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Important")).to_contain_text("You have signed out")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    axe(page)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_wrong_password_shows_the_error_summary_and_moves_focus(page: Page, live_partnership, axe, screenshot):
    sign_in(page, "caseworker", "not the password")

    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter a correct username and password")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Sign in \(error\)"))
    # Nothing says whether the username or the password was the wrong one.
    expect(page.locator(".govuk-error-message")).to_have_count(0)
    expect(page.get_by_label("Password")).to_have_value("")
    axe(page)
    screenshot("sign-in-error")

    # The summary link takes the user to the first field.
    summary.get_by_role("link", name="Enter a correct username and password").click()
    expect(page.get_by_label("Username")).to_be_focused()

    # Leaving a box empty names the box, and the message is announced with it.
    page.get_by_label("Username").fill("")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Username")).to_have_accessible_description(re.compile(r"Enter your username"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    axe(page)

    # And they can still sign in after the mistake.
    page.get_by_label("Username").fill("caseworker")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_dpo_sees_who_read_a_child_record(browser, live_server, live_partnership, axe, screenshot):
    p = live_partnership
    caseworker_context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    dpo_context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        caseworker = caseworker_context.new_page()
        sign_in(caseworker, "caseworker")
        caseworker.goto(f"/children/{p.council_child.pk}/")
        expect(caseworker.get_by_role("heading", level=1)).to_have_text(full_name(p.council_child))

        dpo = dpo_context.new_page()
        sign_in(dpo, "dpo")
        # A DPO manages audit, not case content.
        expect(dpo.get_by_text("Your role does not include access to children's records.")).to_be_visible()
        dpo.get_by_role("link", name="Audit").click()
        expect(dpo.get_by_role("heading", name="Audit", level=1)).to_be_visible()
        axe(dpo)

        # A reference that matches nobody.
        dpo.get_by_label("Reference").fill("NO-SUCH-REF")
        dpo.get_by_role("button", name="Show access").click()
        expect(dpo.locator(".govuk-error-summary")).to_contain_text("No child has that reference")
        axe(dpo)

        dpo.get_by_label("Reference").fill(p.council_child.reference)
        dpo.get_by_role("button", name="Show access").click()
        expect(dpo).to_have_url(re.compile(rf"/audit/children/{p.council_child.pk}/$"))
        expect(dpo.get_by_role("heading", name="Who has accessed this child's record", level=1)).to_be_visible()
        table = dpo.get_by_role("table", name="Access, newest first")
        read_row = table.get_by_role("row").filter(has_text="Viewed a record").filter(has_text="caseworker")
        expect(read_row).to_have_count(1)
        expect(read_row).to_contain_text(p.agencies["council"].name)
        expect(read_row).to_contain_text("Access through involvement")
        # The caseload list the child appeared in is there too; the child's name is not.
        expect(table.get_by_role("row").filter(has_text="Viewed a list")).not_to_have_count(0)
        expect(dpo.locator("body")).not_to_contain_text(p.council_child.family_name)
        axe(dpo)
        screenshot("child-trail", dpo)

        # Narrow the trail to a period: a backwards period is refused, today's is downloaded.
        today = date.today()
        start, end = dpo.get_by_role("group", name="From"), dpo.get_by_role("group", name="To")
        for group, day in ((start, today), (end, today - timedelta(days=1))):
            group.get_by_label("Day").fill(str(day.day))
            group.get_by_label("Month").fill(str(day.month))
            group.get_by_label("Year").fill(str(day.year))
        dpo.get_by_role("button", name="Show this period").click()
        expect(dpo.locator(".govuk-error-summary")).to_contain_text("The last day must be on or after the first day")
        axe(dpo)
        end.get_by_label("Day").fill(str(today.day))
        end.get_by_label("Month").fill(str(today.month))
        end.get_by_label("Year").fill(str(today.year))
        dpo.get_by_role("button", name="Show this period").click()
        expect(
            dpo.get_by_role("table", name="Access, newest first").get_by_role("row").filter(has_text="Viewed a record")
        ).to_have_count(1)
        with dpo.expect_download() as download:
            dpo.get_by_role("link", name="Download as CSV").click()
        assert download.value.suggested_filename == f"audit-{p.council_child.reference}.csv"
        assert "caseworker" in Path(download.value.path()).read_text()
        dpo.set_viewport_size({"width": 320, "height": 800})
        axe(dpo)
        assert dpo.evaluate("document.documentElement.scrollWidth") <= 320
        dpo.set_viewport_size({"width": 1280, "height": 800})

        read_row.get_by_role("link", name="caseworker").click()
        expect(dpo.get_by_role("heading", name="What caseworker has accessed", level=1)).to_be_visible()
        expect(dpo.get_by_role("table", name="Activity, newest first")).to_contain_text("Signed in")
        axe(dpo)

        dpo.get_by_role("link", name="Back to audit").click()
        dpo.get_by_role("link", name="Uses of emergency access").click()
        expect(dpo.get_by_role("heading", name="Uses of emergency access", level=1)).to_be_visible()
        axe(dpo)
    finally:
        caseworker_context.close()
        dpo_context.close()


def test_caseworker_uses_emergency_access(signed_in, live_partnership, axe, screenshot):
    p = live_partnership
    child = p.unlinked_child
    page = signed_in("caseworker")

    # Before: the record is not theirs to see.
    response = page.goto(f"/children/{child.pk}/")
    assert response is not None and response.status == 404

    page.goto("/")
    page.get_by_role("link", name="Emergency access").click()
    expect(page.get_by_role("heading", name="Emergency access to a record", level=1)).to_be_visible()
    axe(page)

    page.get_by_role("button", name="Open the record").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a reason")
    axe(page)
    screenshot("break-glass-errors")
    # Every link in the summary leads to a field that exists, and the date's goes to its day box.
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href")
        assert target.startswith("#") and page.locator(target).count() == 1, f"error summary link to {target}"
    # Hints and error messages are announced with their fields.
    reason = page.get_by_label("Why do you need to see this record now?")
    expect(reason).to_have_accessible_description(re.compile(r"sent to the data protection officer.*Enter a reason"))
    expect(page.get_by_role("group", name="Date of birth")).to_have_accessible_description(
        re.compile(r"For example, 27 3 2009")
    )
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Partnership reference")).to_be_focused()
    date_link = summary.get_by_role("link").nth(1)
    date_link.click()
    expect(page.get_by_role("group", name="Date of birth").get_by_label("Day")).to_be_focused()

    page.get_by_label("Partnership reference").fill(child.reference)
    fill_date(page, "Date of birth", child.date_of_birth.day, child.date_of_birth.month, child.date_of_birth.year)
    page.get_by_label("Why do you need to see this record now?").fill(
        "Police report the child missing overnight; checking for known contacts."
    )
    page.get_by_label("How long do you need access?").select_option("4")
    page.get_by_role("button", name="Open the record").click()

    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name(child))
    banner = page.get_by_role("region", name="Emergency access")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Police report the child missing overnight")
    expect(page.get_by_role("region", name="Important")).to_contain_text("Emergency access granted")
    axe(page)
    screenshot("break-glass-child")


def test_emergency_access_refuses_a_wrong_date_of_birth(signed_in, live_partnership, axe):
    child = live_partnership.unlinked_child
    page = signed_in("caseworker")
    page.goto("/emergency-access/")
    page.get_by_label("Partnership reference").fill(child.reference)
    fill_date(page, "Date of birth", 1, 1, 1999 if child.date_of_birth.year != 1999 else 1998)
    page.get_by_label("Why do you need to see this record now?").fill("Checking a name given at the front desk.")
    page.get_by_role("button", name="Open the record").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("No record matches that reference and date of birth")
    expect(summary).to_be_focused()
    expect(page.locator("body")).not_to_contain_text(child.family_name)
    axe(page)


def test_the_accessibility_check_catches_a_violation(page: Page, live_partnership, axe):
    """Guard against a scan that silently checks nothing: break the sign-in page on purpose."""
    page.goto("/accounts/sign-in/")
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    with pytest.raises(pytest.fail.Exception, match=r"label"):
        axe(page)
