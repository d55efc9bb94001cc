"""Browser journeys for children, contexts, chronology, referrals, context assessments and plans
(issue 3's acceptance criteria), with an axe-core scan of every page they visit.

Run with `pytest -m browser tests/journeys`. No sleeps: every wait is a Playwright `expect` on
what the user would see next (for htmx swaps, the swapped-in content itself).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import ChildAlias, Context, ContextLink, Involvement
from cases.services import rebuild_search_names
from tests.factories import ChildFactory, InvolvementFactory

pytestmark = pytest.mark.browser

NOT_FOUND_TEXT = "No children you can see match your search."


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def fill_date(page_or_region, legend: str, when) -> None:
    """A GOV.UK date input: day, month and year boxes in a fieldset named by its legend."""
    group = page_or_region.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def expect_htmx_settled(page: Page) -> None:
    """htmx marks elements while a request is in flight and while swapped content settles."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)


def expect_not_found(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 404, f"{path} answered {response and response.status}"
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()


def search(page: Page, *, name: str = "", identifier: str = ""):
    """Fill the Find a child form (a POST: names never go in the URL) and return the results table."""
    page.get_by_label("Name or part of a name").fill(name)
    page.get_by_label("Reference or identifier").fill(identifier)
    # Wait for the new page: the previous results would otherwise satisfy a "no match" check.
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="Search").click()
    expect(page).not_to_have_url(re.compile(r"[?&](name|identifier)="))
    results = page.get_by_role("table", name="Search results")
    expect(results).to_be_visible()
    return results


# 1. Find a child, add to their chronology, link them to a location, see who else is linked there ----


@pytest.fixture
def skate_park(live_partnership):
    """A second location the council works with: one child the caseworker can see is linked to it,
    and one child only the voluntary agency works with."""
    p = live_partnership
    today = timezone.localdate()
    park = Context.objects.create(reference="LO-T0003", kind="location", name="Test skate park", location_type="park")
    Involvement.objects.create(agency=p.agencies["council"], context=park, started_on=today - timedelta(days=5))
    classmate = InvolvementFactory(
        agency=p.agencies["council"], child=ChildFactory(given_name="Kiera", family_name="Testpark")
    ).child
    stranger = InvolvementFactory(
        agency=p.agencies["voluntary"], child=ChildFactory(given_name="Zane", family_name="Testhidden")
    ).child
    ContextLink.objects.create(
        child=classmate,
        context=park,
        role="member",
        since=today - timedelta(days=60),
        source_agency=p.agencies["council"],
        recorded_by=p.users["caseworker"],
    )
    ContextLink.objects.create(
        child=stranger,
        context=park,
        role="witness",
        source_agency=p.agencies["voluntary"],
        recorded_by=p.users["voluntary"],
    )
    return park, classmate, stranger


def test_caseworker_finds_a_child_adds_an_event_and_links_them_to_a_location(
    signed_in, live_partnership, skate_park, axe, screenshot
):
    p = live_partnership
    park, classmate, stranger = skate_park
    child = p.council_child
    today = timezone.localdate()
    page = signed_in("caseworker")

    # Find the child by name.
    page.get_by_role("link", name="Find a child").click()
    expect(page.get_by_role("heading", name="Find a child", level=1)).to_be_visible()
    results = search(page, name=full_name(child))
    expect(results.get_by_role("link", name=full_name(child), exact=True)).to_be_visible()
    expect(results).not_to_contain_text(full_name(p.voluntary_child))
    axe(page)
    screenshot("search-results")

    # Open the profile.
    results.get_by_role("link", name=full_name(child), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name(child))
    expect(page.get_by_role("table", name=re.compile(r"^Contexts"))).to_contain_text(p.hotspot.name)
    axe(page)
    screenshot("profile")

    # Quick add of a chronology event: htmx swaps the chronology section, the page does not reload.
    page.evaluate("() => { window.journeyMarker = 'same page' }")
    chronology = page.locator("#chronology")
    chronology.get_by_text("Add an event").click()
    # Nothing entered: the errors come back in the swapped section, and focus moves to them.
    chronology.get_by_role("button", name="Add the event").click()
    summary = page.locator("#chronology .govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Enter a summary of what happened")).to_be_visible()
    expect(page.locator("#chronology").get_by_label("Summary")).to_have_accessible_description(
        re.compile("Enter a summary of what happened")
    )
    expect_htmx_settled(page)
    axe(page)
    chronology = page.locator("#chronology")
    fill_date(chronology, "Date of the event", today - timedelta(days=2))
    chronology.get_by_label("Type of event").select_option(label="Missing episode")
    chronology.get_by_label("Summary").fill("Missing overnight <b>not bold</b>; found at the skate park")
    chronology.get_by_label("More detail (optional)").fill("Found by a youth worker at 7am, cold but unhurt.")
    chronology.get_by_label("How reliable is this information?").select_option(label="Confirmed")
    chronology.get_by_role("button", name="Add the event").click()

    chronology = page.locator("#chronology")
    expect(chronology.get_by_role("alert")).to_contain_text("Event added to the chronology")
    events = chronology.get_by_role("table", name=re.compile(r"^Events"))
    new_row = events.get_by_role("row").filter(has_text="found at the skate park")
    expect(new_row).to_have_count(1)
    expect(new_row).to_contain_text("Missing episode")
    expect(new_row).to_contain_text(p.agencies["council"].name)
    # Script or markup typed into free text is shown as text.
    expect(new_row).to_contain_text("<b>not bold</b>")
    expect_htmx_settled(page)
    assert page.evaluate("() => window.journeyMarker") == "same page", "the page reloaded"
    # The form is ready for the next event.
    expect(chronology.get_by_label("Summary")).to_have_value("")
    axe(page)
    screenshot("chronology-added")

    # Link the child to the skate park; first with nothing chosen.
    page.get_by_role("link", name="Link to a context").click()
    expect(page.get_by_role("heading", name="Link to a context", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Add the link").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Choose a context")).to_be_visible()
    expect(summary.get_by_role("link", name="Choose how the young person is linked")).to_be_visible()
    expect(page.get_by_label("Context", exact=True)).to_have_accessible_description(re.compile("Choose a context"))
    axe(page)
    screenshot("link-errors")

    page.get_by_label("Context", exact=True).select_option(label=f"{park.name} ({park.reference})")
    page.get_by_label("How is the young person linked to it?").select_option(label="Member or regular presence")
    fill_date(page, "Since (optional)", today - timedelta(days=30))
    page.get_by_label("How reliable is this information?").select_option(label="Probably true")
    page.get_by_label("Note (optional)").fill("Seen there most evenings with older boys")
    page.get_by_role("button", name="Add the link").click()

    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/#contexts$"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"Linked to {park.name}")
    contexts = page.get_by_role("table", name=re.compile(r"^Contexts"))
    park_row = contexts.get_by_role("row").filter(has=page.get_by_role("link", name=park.name))
    expect(park_row).to_contain_text("Member or regular presence")
    expect(park_row).to_contain_text("Probably true")
    axe(page)

    # Who else is linked to the same contexts (only the children the caseworker may see).
    page.get_by_role("link", name=re.compile(r"^Other children linked to the same contexts")).click()
    expect(page.get_by_role("heading", name="Other children linked to the same contexts", level=1)).to_be_visible()
    at_park = page.get_by_role("table", name=re.compile(park.name))
    expect(at_park.get_by_role("link", name=full_name(classmate), exact=True)).to_be_visible()
    expect(at_park).to_contain_text("Member or regular presence")
    body = page.locator("main")
    # Not the child at the park that only the voluntary agency works with, nor the sibling at the
    # bus station that only the voluntary agency works with.
    expect(body).not_to_contain_text(stranger.family_name)
    expect(body).not_to_contain_text(full_name(p.voluntary_child))
    expect(page.get_by_role("table")).to_have_count(1)
    axe(page)
    screenshot("connections")

    at_park.get_by_role("link", name=full_name(classmate), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name(classmate))


# 2. A referral about a location, a context assessment and a plan for two children ---------------


def test_caseworker_refers_a_location_assesses_it_and_makes_a_plan_for_two_children(
    signed_in, live_partnership, axe, screenshot
):
    p = live_partnership
    hotspot = p.hotspot
    # A second child the caseworker can see, also harmed at the bus station.
    ContextLink.objects.create(
        child=p.shared_child,
        context=hotspot,
        role="victim",
        source_agency=p.agencies["council"],
        recorded_by=p.users["caseworker"],
    )
    today = timezone.localdate()
    page = signed_in("caseworker")

    # From the child to the location.
    page.goto(f"/children/{p.council_child.pk}/")
    page.get_by_role("table", name=re.compile(r"^Contexts")).get_by_role("link", name=hotspot.name).click()
    expect(page.get_by_role("heading", name=hotspot.name, level=1)).to_be_visible()
    linked = page.get_by_role("table", name="Young people linked to this context")
    expect(linked.get_by_role("link", name=full_name(p.council_child), exact=True)).to_be_visible()
    expect(linked.get_by_role("link", name=full_name(p.shared_child), exact=True)).to_be_visible()
    expect(linked).not_to_contain_text(full_name(p.voluntary_child))
    axe(page)
    screenshot("context")

    # A referral about the location.
    page.get_by_role("link", name="Make a referral about this context").click()
    expect(page.get_by_role("heading", name="Make a referral", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Record the referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the main concern")
    expect(summary).to_contain_text("Enter the concerns")
    axe(page)
    screenshot("referral-errors")
    page.get_by_label("Criminal exploitation (including county lines)").check()
    page.get_by_label("Concerns").fill(
        "Three children approached by adults offering lifts from the bus station after 9pm.\n"
        "<script>alert('x')</script>"
    )
    page.get_by_role("button", name="Record the referral").click()
    expect(page.get_by_role("heading", name=f"Referral about {hotspot.name}", level=1)).to_be_visible()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Referral recorded")
    expect(page.locator("main")).to_contain_text("<script>alert('x')</script>")
    expect(page.locator("main")).to_contain_text("Criminal exploitation (including county lines)")
    axe(page)
    screenshot("referral")

    # Back on the location's page the referral is listed.
    page.get_by_role("link", name=hotspot.name).first.click()
    expect(page.get_by_role("heading", name=hotspot.name, level=1)).to_be_visible()
    referrals = page.get_by_role("table", name="Referrals about this context")
    expect(referrals.get_by_role("row").filter(has_text="Criminal exploitation")).to_have_count(1)
    # ... and it is on the location's chronology.
    events = page.locator("#chronology").get_by_role("table", name=re.compile(r"^Events"))
    expect(events.get_by_role("row").filter(has_text="Referral")).not_to_have_count(0)

    # A context assessment, saved as a draft.
    page.get_by_role("link", name="Start an assessment of this context").click()
    expect(page.get_by_role("heading", name="Start a context assessment", level=1)).to_be_visible()
    axe(page)
    screenshot("assessment-form")
    page.get_by_label("Strengths").fill("Bus company staff know the young people by name.")
    page.get_by_label("Concerns", exact=True).fill("Adults offer lifts after 9pm; the shelter has no CCTV.")
    page.get_by_label("Guardianship").fill("No staff on site after 8pm.")
    page.get_by_label("Physical environment").fill("Poor lighting by the back exit.")
    page.get_by_label("Harm in this context outweighs harm at home").check()
    page.get_by_label("Why you weighed it this way").fill("Both children are safe at home; the harm is here.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Context assessment", level=1)).to_be_visible()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Assessment started and saved as a draft")
    expect(page.locator("main")).to_contain_text("the shelter has no CCTV")
    assessment_pk = int(re.search(r"/assessments/(\d+)/", page.url).group(1))
    axe(page)
    screenshot("assessment")

    # A plan for the location that includes both children.
    page.goto(f"/contexts/{hotspot.pk}/")
    page.get_by_role("link", name="Make a plan for this context").click()
    expect(page.get_by_role("heading", name="Make a context plan", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Make the plan").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title")
    axe(page)
    screenshot("plan-errors")
    page.get_by_label("Title").fill("Safer journeys home from the bus station")
    fill_date(page, "Review date", today + timedelta(days=42))
    page.get_by_label("Assessment this plan responds to").select_option(str(assessment_pk))
    for child in (p.council_child, p.shared_child):
        page.get_by_label(f"{full_name(child)} ({child.reference})").check()
    expect(page.get_by_label(re.compile(re.escape(full_name(p.voluntary_child))))).to_have_count(0)
    page.get_by_role("button", name="Make the plan").click()

    expect(page.get_by_role("heading", name="Safer journeys home from the bus station", level=1)).to_be_visible()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Plan made")
    axe(page)
    screenshot("plan")

    # The plan is on both children's records.
    for child in (p.council_child, p.shared_child):
        page.goto(f"/children/{child.pk}/")
        plans = page.get_by_role("table", name="Context plans that include this young person")
        row = plans.get_by_role("row").filter(has_text="Safer journeys home from the bus station")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(hotspot.name)


# 3. The voluntary worker cannot find a council child by any search, nor by URL --------------------


def test_voluntary_worker_cannot_find_a_child_outside_their_work(signed_in, live_partnership, axe, screenshot):
    p = live_partnership
    hidden, own = p.council_child, p.voluntary_child
    # Siblings sharing a family name and a nickname; each with every kind of identifier.
    for child, identifiers in (
        (hidden, {"upn": "A123456789012", "nhs_number": "9434765919", "police_id": "PR/1234/24"}),
        (own, {"upn": "B210987654321", "nhs_number": "4010000007", "police_id": "PR/5678/24"}),
    ):
        child.given_name = "Marcus" if child == hidden else "Samira"
        child.family_name = "Testbrook"
        for field, value in identifiers.items():
            setattr(child, field, value)
        child.save()
        rebuild_search_names(child)
    ChildAlias.objects.create(child=hidden, name="Little Jaydee Testalias")
    ChildAlias.objects.create(child=own, name="Jaydee")
    rebuild_search_names(hidden)
    rebuild_search_names(own)

    page = signed_in("voluntary")
    page.get_by_role("link", name="Find a child").click()
    expect(page.get_by_role("heading", name="Find a child", level=1)).to_be_visible()

    # By the shared family name: only their own child.
    results = search(page, name="Testbrook")
    expect(results.get_by_role("link", name=full_name(own), exact=True)).to_be_visible()
    expect(results.get_by_role("row")).to_have_count(2)
    axe(page)
    screenshot("search-family-name")

    # By the other child's full name, and by a part of their other name only they have.
    for name in (full_name(hidden), hidden.given_name, "Testalias", "Little Jaydee Testalias"):
        results = search(page, name=name)
        expect(results).to_contain_text(NOT_FOUND_TEXT)
        expect(page.locator("main")).not_to_contain_text("Marcus")

    # By the nickname both share: only their own child, found by the other name.
    results = search(page, name="Jaydee")
    expect(results.get_by_role("link", name=full_name(own), exact=True)).to_be_visible()
    expect(results).to_contain_text("Found by the other name")
    expect(results.get_by_role("row")).to_have_count(2)
    axe(page)

    # By every identifier of the other child: no match, while their own child's are found.
    for identifier in (hidden.reference, hidden.upn, hidden.nhs_number, "943 476 5919", hidden.police_id):
        results = search(page, identifier=identifier)
        expect(results).to_contain_text(NOT_FOUND_TEXT)
        expect(results.get_by_role("link")).to_have_count(0)
    screenshot("search-no-match")
    axe(page)
    for identifier in (own.reference, own.upn, own.nhs_number, own.police_id):
        results = search(page, identifier=identifier)
        expect(results.get_by_role("link", name=full_name(own), exact=True)).to_be_visible()

    # Nor by URL: the child's pages, and a location only the police work with.
    for path in (
        f"/children/{hidden.pk}/",
        f"/children/{hidden.pk}/connections/",
        f"/contexts/{p.police_location.pk}/",
    ):
        expect_not_found(page, path)
        expect(page.locator("body")).not_to_contain_text("Testbrook")
        expect(page.locator("body")).not_to_contain_text(p.police_location.name)
    axe(page)
