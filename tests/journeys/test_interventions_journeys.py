"""Browser journeys for interventions, police disruption and intelligence, and panels (issue 4's
acceptance criteria), with an axe-core scan of every new page they visit.

Run with `pytest -m browser tests/journeys/test_interventions_journeys.py`. No sleeps: every wait is a
Playwright `expect` on what the user would see next.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from interventions.defaults import ensure_intervention_types
from interventions.models import (
    DisruptionAction,
    DisruptionKind,
    IntelligenceReport,
    Intervention,
    InterventionStatus,
    Panel,
    PanelAction,
    PersonOfConcern,
)
from tests.factories import ChildFactory, InvolvementFactory, MembershipFactory, UserFactory
from tests.journeys.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def fill_date(region, legend: str, when) -> None:
    """A GOV.UK date input: day, month and year boxes in a fieldset named by its legend."""
    group = region.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def error_summary(page: Page):
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    return summary


def expect_not_found(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 404, f"{path} answered {response and response.status}"
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()


def years_ago(years: int, today: date) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# 1. The caseworker logs an intervention for a child and closes it with an outcome -----------------


def test_caseworker_logs_and_closes_an_intervention(signed_in, live_partnership, axe, screenshot):
    # A transactional database is flushed between tests, so the migration's default types may be gone.
    ensure_intervention_types()
    child = live_partnership.council_child
    today = timezone.localdate()
    started = today - timedelta(days=30)

    page = signed_in("caseworker")
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_role("heading", name="Interventions", level=2)).to_be_visible()
    page.get_by_role("link", name="Record an intervention").click()

    expect(page.get_by_role("heading", name="Record an intervention", level=1)).to_be_visible()
    axe(page)
    page.get_by_label("Type of intervention").select_option(label="Mentoring")
    fill_date(page, "Start date", started)
    page.get_by_role("group", name="Status").get_by_label("Active").check()
    page.get_by_label("Planned outcomes").fill("Back in school three days a week by half term.")
    page.get_by_role("button", name="Save the intervention").click()

    expect(page.get_by_role("heading", name="Mentoring", level=1)).to_be_visible()
    summary_list = page.locator(".govuk-summary-list")
    expect(summary_list).to_contain_text("Back in school three days a week by half term.")
    expect(summary_list).to_contain_text("Active")
    axe(page)
    detail_url = page.url

    # Closing without an outcome, and with an end date before the start: errors, nothing saved.
    close = page.locator("form", has=page.get_by_role("button", name="Close the intervention"))
    fill_date(close, "End date", started - timedelta(days=1))
    close.get_by_role("group", name="How did it end?").get_by_label("Completed").check()
    close.get_by_role("button", name="Close the intervention").click()
    summary = error_summary(page)
    expect(summary).to_contain_text("Enter the outcome")
    expect(summary).to_contain_text("The end date must be the same as or after the start date")
    axe(page)
    screenshot("close-errors")
    assert Intervention.objects.get(child=child).status == InterventionStatus.ACTIVE

    close = page.locator("form", has=page.get_by_role("button", name="Close the intervention"))
    fill_date(close, "End date", today)
    close.get_by_role("group", name="How did it end?").get_by_label("Completed").check()
    close.get_by_label("Outcome").fill("Attending school four days a week; mentoring continues informally.")
    close.get_by_role("button", name="Close the intervention").click()

    expect(page).to_have_url(detail_url)
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    summary_list = page.locator(".govuk-summary-list")
    expect(summary_list).to_contain_text("Attending school four days a week; mentoring continues informally.")
    expect(summary_list).to_contain_text("Completed")
    expect(page.get_by_role("button", name="Close the intervention")).to_have_count(0)
    axe(page)

    # Closed on the profile.
    page.goto(f"/children/{child.pk}/")
    table = page.get_by_role("table", name="Interventions")
    row = table.get_by_role("row").filter(has_text="Mentoring")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text(f"{today.day} {today:%b %Y}")
    screenshot("profile-closed")


# 2. The police officer records disruption and graded intelligence, then shares a summary ----------


@pytest.fixture
def older_child(live_partnership):
    """A 16-year-old the police work with who is not in care: not eligible for a warning notice."""
    today = timezone.localdate()
    child = ChildFactory(
        given_name="Tyler",
        family_name="Testsixteen",
        date_of_birth=years_ago(16, today) - timedelta(days=40),
        looked_after=False,
    )
    InvolvementFactory(agency=live_partnership.agencies["police"], child=child)
    return child


def test_police_disruption_intelligence_and_sharing(
    signed_in, live_partnership, older_child, browser: Browser, live_server, axe, screenshot
):
    p = live_partnership
    hotel = p.police_location
    today = timezone.localdate()
    intelligence_text = "Source reports the night manager lets older males book rooms for girls in care."
    shared_summary = "Police hold information that this young person may be at risk at a city-centre hotel."

    page = signed_in("police")
    page.goto("/police/")
    expect(page.get_by_role("heading", name="Police", level=1)).to_be_visible()
    axe(page)

    # A person of concern linked to the hotel.
    page.get_by_role("link", name="Persons of concern").click()
    expect(page.get_by_role("link", name="Add a person of concern")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Add a person of concern").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    page.get_by_label("Given name").fill("Dean")
    page.get_by_label("Family name").fill("Testconcern")
    # The hotel with the autocomplete (only locations are offered): choosing it ticks it.
    page.get_by_role("combobox", name="Find a location").press_sequentially(hotel.name[:5], delay=30)
    page.get_by_role("option", name=f"{hotel.name} ({hotel.reference})").click()
    expect(
        page.get_by_role("group", name="Locations linked to this person (optional)").get_by_label(
            f"{hotel.name} ({hotel.reference})"
        )
    ).to_be_checked()
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    expect(page.get_by_role("heading", name="Dean Testconcern", level=1)).to_be_visible()
    axe(page)

    # A disruption action against the location.
    page.goto("/police/disruptions/")
    page.get_by_role("link", name="Record a disruption action").click()
    expect(page.get_by_role("heading", name="Record a disruption action", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("group", name="What was done").get_by_label("Hotel visit").check()
    fill_date(page, "Date", today)
    # Without the autocomplete: "Find" lists the matches, and one is chosen.
    page.get_by_role("combobox", name="Find a location").fill(hotel.reference)
    page.get_by_role("button", name="Find a location").click()
    page.get_by_role("group", name="Location").get_by_label(f"{hotel.name} ({hotel.reference})").check()
    page.get_by_label("Outcome (optional)").fill("Staff briefed; guest register checked.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/police/disruptions/$"))
    axe(page)
    expect(page.get_by_role("table")).to_contain_text(hotel.name)
    expect(page.get_by_role("table")).to_contain_text("Hotel visit")

    # A child abduction warning notice for a 16-year-old not in care is refused, with the reason.
    page.get_by_role("link", name="Record a disruption action").click()
    page.get_by_role("group", name="What was done").get_by_label("Child abduction warning notice").check()
    fill_date(page, "Date", today)
    person = PersonOfConcern.objects.get(family_name="Testconcern")
    # The person of concern with the autocomplete: choosing a suggestion ticks them.
    page.get_by_role("combobox", name="Find a person of concern").press_sequentially("Testcon", delay=30)
    page.get_by_role("option", name=f"Dean Testconcern ({person.reference})").click()
    expect(
        page.get_by_role("group", name="Person of concern").get_by_label(f"Dean Testconcern ({person.reference})")
    ).to_be_checked()
    # The picker lists nobody until asked: find the young person by reference, then choose them.
    page.get_by_role("combobox", name="Find a young person").fill(older_child.reference)
    page.get_by_role("button", name="Find a young person").click()
    page.get_by_role("group", name=re.compile("^Young person protected")).get_by_label(
        f"{full_name(older_child)} ({older_child.reference})"
    ).check()
    page.get_by_role("button", name="Save").click()
    summary = error_summary(page)
    expect(summary).to_contain_text(
        "A child abduction warning notice can only protect a child under 16, or under 18 and in care: "
        f"{full_name(older_child)} was 16"
    )
    expect(summary).to_contain_text("is not in care")
    axe(page)
    screenshot("cawn-refused")
    assert not DisruptionAction.objects.filter(kind=DisruptionKind.CAWN).exists()

    # A graded intelligence report linked to shared_child: code C without conditions is an error.
    page.goto("/police/intelligence/")
    expect(page.get_by_role("link", name="Add an intelligence report")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Add an intelligence report").click()
    expect(page.get_by_role("heading", name="Add an intelligence report", level=1)).to_be_visible()
    axe(page)
    for legend, count in (("Source evaluation", 3), ("Intelligence assessment", 5), ("Handling code", 2)):
        expect(page.get_by_role("group", name=legend).get_by_role("radio")).to_have_count(count)
    fill_date(page, "Date received", today)
    page.get_by_role("group", name="Source evaluation").get_by_label("2 – Untested").check()
    page.get_by_role("group", name="Intelligence assessment").get_by_label(re.compile("^B –")).check()
    page.get_by_role("group", name="Handling code").get_by_label(re.compile("^C –")).check()
    page.get_by_label("Intelligence", exact=True).fill(intelligence_text)
    page.get_by_role("combobox", name="Find a young person").fill(p.shared_child.reference)
    page.get_by_role("button", name="Find a young person").click()
    children = page.get_by_role("group", name="Young people (optional)")
    children.get_by_label(re.compile(re.escape(full_name(p.shared_child)))).check()
    page.get_by_role("button", name="Save").click()
    expect(error_summary(page)).to_contain_text("State the handling conditions: code C needs them")
    assert not IntelligenceReport.objects.exists()
    axe(page)

    page.get_by_label("Handling conditions (code C only)").fill("Safeguarding partners only; do not disclose.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("^Intelligence "), level=1)).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text(intelligence_text)
    expect(page.locator(".govuk-summary-list")).to_contain_text("2 – Untested")
    axe(page)
    report_url = page.url

    page.get_by_role("link", name="Share a summary with partners").click()
    expect(page.get_by_role("heading", name="Share a summary with partners", level=1)).to_be_visible()
    axe(page)
    page.get_by_label("Summary for partners").fill(shared_summary)
    page.get_by_role("button", name="Share summary").click()
    expect(page).to_have_url(report_url)
    expect(page.get_by_role("list").filter(has_text=shared_summary)).to_be_visible()
    screenshot("shared")

    # The caseworker, in their own browser, sees the summary but never the report.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    try:
        other = context.new_page()
        sign_in(other, "caseworker")
        expect(other.get_by_role("button", name="Sign out")).to_be_visible()
        other.goto(f"/children/{p.shared_child.pk}/chronology/")
        # The shared summary is a partner-visible chronology entry; its text sits under "More detail".
        entry = other.get_by_role("row").filter(has=other.get_by_text(shared_summary))
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(p.agencies["police"].name)
        entry.locator(".govuk-details__summary").click()
        expect(entry.get_by_text(shared_summary)).to_be_visible()
        expect(other.locator("body")).not_to_contain_text(intelligence_text)
        axe(other)
        screenshot("caseworker-chronology", other)
        path = report_url.removeprefix(live_server.url)
        expect_not_found(other, path)
        axe(other)
        expect(other.locator("body")).not_to_contain_text(intelligence_text)
    finally:
        context.close()


# 3. The manager runs a panel meeting with three children and assigns an action that goes overdue --


@pytest.fixture
def panel_setup(live_partnership):
    p = live_partnership
    youth_justice = p.agencies["youth_justice"]
    panel = Panel.objects.filter(chair_agency=youth_justice).first() or Panel.objects.create(
        name="Test weekly exploitation panel", chair_agency=youth_justice
    )
    owner = UserFactory(username="yjworker", first_name="Yasmin", last_name="Testowner")
    MembershipFactory(user=owner, agency=youth_justice, role=Role.CASEWORKER)
    children = [
        InvolvementFactory(agency=youth_justice, child=ChildFactory(given_name=name, family_name=f"Testpanel{n}")).child
        for n, name in enumerate(("Ava", "Ben", "Cara"), start=1)
    ]
    return panel, owner, children


def test_manager_runs_a_panel_meeting_and_an_action_goes_overdue(
    signed_in, live_partnership, panel_setup, browser: Browser, live_server, axe, screenshot
):
    panel, owner, children = panel_setup
    youth_justice = live_partnership.agencies["youth_justice"]
    today = timezone.localdate()

    page = signed_in("manager")
    page.goto("/panels/")
    expect(page.get_by_role("heading", name="Multi-agency panels", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("link", name=f"Record a meeting of {panel.name}").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    fill_date(page, "Date of the meeting", today)
    page.get_by_role("group", name="Agencies present").get_by_label(youth_justice.name).check()
    page.get_by_label("Notes (optional)").fill("Weekly review of young people at risk of exploitation.")
    page.get_by_role("button", name=re.compile("Save|Record")).click()

    expect(page.get_by_role("heading", name=re.compile("^Meeting on"), level=1)).to_be_visible()
    axe(page)
    meeting_url = page.url

    for n, child in enumerate(children):
        page.get_by_role("link", name="Add to the agenda").click()
        expect(page.get_by_label("Young person's reference")).to_be_visible()
        if n == 0:
            axe(page)
        page.get_by_label("Young person's reference").fill(child.reference)
        page.get_by_label("Discussion").fill(f"Discussed {child.given_name}'s school attendance.")
        page.get_by_label("Decision").fill("Refer to mentoring.")
        page.get_by_role("button", name=re.compile("Add|Save")).click()
        expect(page).to_have_url(meeting_url)
        agenda = page.get_by_role("table", name="Young people and contexts discussed")
        expect(agenda.get_by_role("link", name=full_name(child))).to_be_visible()
    expect(page.get_by_role("table", name="Young people and contexts discussed").locator("tbody tr")).to_have_count(3)

    page.get_by_role("link", name="Assign an action").click()
    expect(page.get_by_role("heading", name="Assign an action", level=1)).to_be_visible()
    axe(page)
    description = "Arrange a mentoring referral for Ava"
    page.get_by_label("Action", exact=True).fill(description)
    page.get_by_label("Owner", exact=True).select_option(label="Yasmin Testowner")
    page.get_by_label("Owning agency").select_option(label=youth_justice.name)
    fill_date(page, "Due date", today + timedelta(days=7))
    page.get_by_role("button", name="Assign action").click()
    expect(page).to_have_url(meeting_url)
    actions = page.get_by_role("table", name="Every action from this meeting, soonest due first")
    expect(actions.get_by_role("row").filter(has_text=description)).not_to_contain_text("Overdue")

    # Time passes: the form refuses past dates, so move the due date in the database.
    assert PanelAction.objects.filter(description=description).update(due_on=today - timedelta(days=1)) == 1

    page.reload()
    row = (
        page.get_by_role("table", name="Every action from this meeting, soonest due first")
        .get_by_role("row")
        .filter(has_text=description)
    )
    expect(row.locator(".govuk-tag")).to_have_text("Overdue")

    page.goto("/actions/overdue/")
    expect(page.get_by_role("heading", name="Overdue actions", level=1)).to_be_visible()
    row = (
        page.get_by_role("table", name="Overdue actions, longest overdue first")
        .get_by_role("row")
        .filter(has_text=description)
    )
    expect(row).to_contain_text("Yasmin Testowner")
    expect(row.locator(".govuk-tag")).to_have_text("Overdue")
    axe(page)
    screenshot("overdue")

    # The owner sees it on their own task list.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    try:
        other = context.new_page()
        sign_in(other, owner.username, PASSWORD)
        expect(other.get_by_role("button", name="Sign out")).to_be_visible()
        other.goto("/tasks/")
        expect(other.get_by_role("heading", name="Your tasks", level=1)).to_be_visible()
        mine = other.get_by_role("table", name="Your panel actions, overdue first")
        row = mine.get_by_role("row").filter(has_text=description)
        expect(row.locator(".govuk-tag")).to_have_text("Overdue")
        axe(other)
        screenshot("owner-tasks", other)
    finally:
        context.close()

    # The chair (who manages the owning agency) updates the action: nothing is chosen for them, so
    # pressing the button without a choice changes nothing.
    page.goto(meeting_url)
    actions = page.get_by_role("table", name="Every action from this meeting, soonest due first")
    row = actions.get_by_role("row").filter(has_text=description)
    expect(row).to_contain_text("General action of the meeting")
    row.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the new status")
    axe(page)
    assert PanelAction.objects.get(description=description).status == "open"
    page.get_by_label("New status").select_option(label="Done")
    page.get_by_role("button", name="Change status").click()
    expect(page).to_have_url(meeting_url)
    row = page.get_by_role("table", name="Every action from this meeting, soonest due first").get_by_role("row")
    expect(row.filter(has_text=description).locator(".govuk-tag")).to_have_text("Done")
