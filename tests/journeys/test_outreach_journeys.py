"""Browser journeys for outreach and group work (issue 16's acceptance), with an axe-core scan of
every new page they visit and the forms checked at 320 px wide.

Run with `pytest -m browser tests/journeys/test_outreach_journeys.py`.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import outreach_data as data
from tests.factories import InvolvementFactory
from tests.journeys.conftest import check_at_both_widths, sign_in

pytestmark = pytest.mark.browser


def fill_date(page: Page, legend: str, when) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def record_event(page: Page, axe, *, activity, audience, organisation, headcount, check=False) -> None:
    page.goto("/outreach/")
    page.get_by_role("link", name="Record an event").click()
    expect(page.get_by_role("heading", name="Record an outreach event", level=1)).to_be_visible()
    if check:
        check_at_both_widths(page, axe)
    page.get_by_role("radio", name=activity, exact=True).check()
    page.get_by_label("Audience type").select_option(label=audience)
    page.get_by_label("Establishment or organisation", exact=True).fill(organisation)
    page.get_by_label("Area (optional)", exact=True).select_option(label="Westmoor")
    fill_date(page, "Date", timezone.localdate())
    page.get_by_role("radio", name="Delivered", exact=True).check()
    page.get_by_label("Number of people", exact=True).fill(str(headcount))
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", name=f"{activity}: {organisation}", level=1)).to_be_visible()


def audience_row(page: Page, audience: str):
    return page.locator("#people-reached tr", has=page.get_by_role("rowheader", name=audience, exact=True))


def test_outreach_officer_records_events_and_a_declined_childrens_home_and_reads_the_reach(
    signed_in, live_partnership, axe
):
    data.area("Westmoor")
    data.area("Harbourside")
    today = timezone.localdate()
    page = signed_in("outreach")
    page.get_by_role("link", name="Outreach", exact=True).click()
    expect(page.get_by_role("heading", name="Outreach", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    # A bad headcount first: a clear error and nothing saved.
    page.goto("/outreach/events/new/")
    page.get_by_role("radio", name="Training", exact=True).check()
    page.get_by_label("Number of people", exact=True).fill("100001")
    page.get_by_role("button", name="Save event").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The number of people must be 100,000 or fewer")
    expect(summary).to_contain_text("Choose the audience type")
    check_at_both_widths(page, axe)

    record_event(
        page,
        axe,
        activity="Training",
        audience="Non-police professionals",
        organisation="Westmoor GP",
        headcount=30,
        check=True,
    )
    check_at_both_widths(page, axe)  # the event page
    record_event(
        page,
        axe,
        activity="Awareness raising",
        audience="Night-time economy workers and venue owners",
        organisation="The Anchor",
        headcount=45,
    )
    record_event(
        page, axe, activity="Awareness raising", audience="School students", organisation="Westmoor High", headcount=60
    )
    page.goto("/outreach/events/")
    expect(page.get_by_role("link", name="Training: Non-police professionals")).to_be_visible()
    check_at_both_widths(page, axe)

    # A children's home run by an independent provider, which declines.
    page.goto("/outreach/establishments/")
    page.get_by_role("link", name="Add an establishment").click()
    check_at_both_widths(page, axe)
    page.get_by_label("Name", exact=True).fill("Elm Lodge")
    page.get_by_role("radio", name="Children's home", exact=True).check()
    page.get_by_role("radio", name="Independent", exact=True).check()
    page.get_by_label("Area (optional)", exact=True).select_option(label="Westmoor")
    page.get_by_role("button", name="Save establishment").click()
    expect(page.get_by_role("heading", name="Elm Lodge", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Record engagement").click()
    check_at_both_widths(page, axe)
    page.get_by_role("radio", name="Declined", exact=True).check()
    fill_date(page, "Date", today)
    page.get_by_label("Note (optional)").fill("Provider will not take training")
    page.get_by_role("button", name="Save engagement").click()
    expect(page.locator("#engagement-history")).to_contain_text("Declined")

    # Still on the plan: not yet engaged in Westmoor.
    page.goto("/outreach/establishments/")
    page.get_by_label("Area", exact=True).select_option(label="Westmoor")
    page.get_by_label("Only those not yet engaged").check()
    page.get_by_role("button", name="Show establishments").click()
    expect(page.get_by_role("link", name="Elm Lodge")).to_be_visible()
    check_at_both_widths(page, axe)

    # Door-to-door: an end before the start is refused, then the campaign is saved.
    page.goto("/outreach/door-to-door/new/")
    check_at_both_widths(page, axe)
    page.get_by_label("Area (optional)", exact=True).select_option(label="Harbourside")
    page.get_by_label("Streets or postcode sectors covered").fill("HB1 2, Quay Street")
    fill_date(page, "Start date", today)
    fill_date(page, "End date", today - timedelta(days=1))
    page.get_by_label("Households reached").fill("85")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The end date must be the same as or after the start date"
    )
    check_at_both_widths(page, axe)
    fill_date(page, "End date", today)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Door-to-door campaigns", level=1)).to_be_visible()
    expect(page.get_by_text("HB1 2, Quay Street")).to_be_visible()
    check_at_both_widths(page, axe)

    # A planned event held today is recorded as delivered from its page.
    planned = data.police_event(live_partnership)
    page.goto(f"/outreach/events/{planned.pk}/")
    expect(page.get_by_role("heading", name="Record as delivered")).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_label("Number of people who came").fill("118")
    page.get_by_role("button", name="Record as delivered").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Delivered")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("118")

    # The reach report for the period: exact totals by audience type.
    page.goto("/outreach/reach/")
    fill_date(page, "From", today.replace(month=1, day=1))
    fill_date(page, "To", today)
    page.get_by_label("Area", exact=True).select_option(label="Westmoor")
    page.get_by_role("button", name="Show reach").click()
    expect(page.locator("#reach-period")).to_contain_text("Westmoor")
    expect(audience_row(page, "Non-police professionals").locator("td")).to_have_text(["30", "0", "30"])
    expect(audience_row(page, "Night-time economy workers and venue owners").locator("td")).to_have_text(
        ["0", "45", "45"]
    )
    expect(audience_row(page, "School students").locator("td")).to_have_text(["0", "60", "60"])
    expect(audience_row(page, "All audiences (3 events)").locator("td")).to_have_text(["30", "105", "135"])
    figures = page.locator("#reach-figures")
    expect(figures.locator(".govuk-summary-list__row", has_text="Establishments that declined")).to_contain_text("1")
    check_at_both_widths(page, axe)

    # Harbourside has none of it.
    page.get_by_label("Area", exact=True).select_option(label="Harbourside")
    page.get_by_role("button", name="Show reach").click()
    expect(audience_row(page, "All audiences (0 events)").locator("td")).to_have_text(["0", "0", "0"])

    # Still no child's record.
    response = page.goto(f"/children/{live_partnership.council_child.pk}/")
    assert response is not None and response.status == 404


def test_group_worker_records_a_register_and_the_caseworker_sees_it_in_the_chronology(signed_in, live_partnership, axe):
    p = live_partnership
    data.area("Westmoor")
    # The council works with the voluntary sector's young person too.
    InvolvementFactory(agency=p.agencies["council"], child=p.voluntary_child)
    child_name = f"{p.voluntary_child.given_name} {p.voluntary_child.family_name}"

    page = signed_in("voluntary")
    page.get_by_role("link", name="Group work", exact=True).click()
    expect(page.get_by_role("heading", name="Group work", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Set up group work").click()
    check_at_both_widths(page, axe)
    page.get_by_label("Group or context").select_option(label="Test bus station (Location)")
    page.get_by_label("Name for the group work (optional)").fill("Bus station girls' group")
    page.get_by_label("Area (optional)", exact=True).select_option(label="Westmoor")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Bus station girls' group", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Record a session").click()
    expect(page.get_by_role("heading", name="Record a session", level=1)).to_be_visible()
    # Only the young people this worker may see are offered.
    expect(page.get_by_text(p.council_child.family_name)).to_have_count(0)
    check_at_both_widths(page, axe)
    fill_date(page, "Date", timezone.localdate())
    page.get_by_label("Activity").fill("Healthy relationships workshop")
    page.get_by_label("Duration in minutes").fill("90")
    page.get_by_role("checkbox", name=child_name).check()
    page.get_by_role("button", name="Save session and register").click()
    expect(page.locator("#register")).to_contain_text(child_name)
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Back to Bus station girls' group").click()
    expect(page.locator("#contact-hours")).to_contain_text("1.5")

    page.context.clear_cookies()
    sign_in(page, "caseworker")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"/children/{p.voluntary_child.pk}/")
    # In the chronology (the summary at the top names it too, as the last contact).
    expect(page.get_by_role("cell", name="Attended group session: Bus station girls' group")).to_be_visible()
