"""Browser journeys for the daily work (issue 18): every page checked with axe at 1280 px and at
320 px, where the page itself must not scroll sideways.

Run with `pytest -m browser tests/journeys/test_daily_work_journeys.py`."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Child
from conftest import PERSONAS
from interventions.models import PanelAction
from interventions.services import missing as missing_services
from tests.journeys.conftest import DESKTOP, PHONE, check_at_both_widths, sign_in
from tests.matrix import police as police_matrix
from tests.mentoring_helpers import partnership_match
from tests.test_panels import make_meeting

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_failed_requests(page: Page):
    """Every journey here fails on a request the server could not answer (a missing font, image or
    script: the GOV.UK Frontend assets are served, the GDS Transport family is pointed at system
    fonts in static/css/app.css) and on a console error."""
    failures: list[str] = []
    page.on(
        "response",
        lambda response: (
            failures.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.on(
        "console",
        lambda message: failures.append(f"console {message.type}: {message.text}") if message.type == "error" else None,
    )
    yield
    assert not failures, failures


def fill_moment(page: Page, legend: str, moment) -> None:
    """The GOV.UK date input with its time box, in a fieldset named by its legend."""
    local = timezone.localtime(moment)
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(local.day))
    group.get_by_label("Month").fill(str(local.month))
    group.get_by_label("Year").fill(str(local.year))
    group.get_by_label("Time").fill(f"{local:%H:%M}")


def test_caseworker_records_a_missing_episode_the_return_and_the_interview(signed_in, live_partnership, axe):
    child = live_partnership.council_child
    now = timezone.now()
    page = signed_in("caseworker")
    page.set_viewport_size(DESKTOP)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name=re.compile("Record a missing episode")).click()

    expect(page.get_by_role("heading", name="Record a missing episode", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    fill_moment(page, "When were they reported missing?", now - timedelta(hours=30))
    page.get_by_label("Medium").check()
    page.get_by_label("Police reference (optional)").fill("MP/4417/26")
    page.get_by_role("button", name="Save the missing episode").click()

    expect(page.get_by_role("heading", name=re.compile("Missing episode"), level=1)).to_be_visible()
    expect(page.get_by_text("MP/4417/26")).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Record the return").click()

    # A return before they went missing: a clear error and nothing saved.
    fill_moment(page, "When were they found or when did they return?", now - timedelta(hours=40))
    page.get_by_label("Where were they found, or where did they return to?").fill("Bus station")
    page.get_by_role("button", name="Save the return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("must be after they were reported missing")
    check_at_both_widths(page, axe)
    returned_at = now - timedelta(hours=20)
    fill_moment(page, "When were they found or when did they return?", returned_at)
    page.get_by_role("button", name="Save the return").click()

    due = timezone.localtime(returned_at.replace(second=0, microsecond=0) + timedelta(hours=72))
    expect(page.get_by_text(f"{due:%-d %B %Y, %H:%M}")).to_be_visible()
    page.get_by_role("link", name="Record the return home interview").click()

    expect(page.get_by_role("heading", name="Record the return home interview", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    fill_moment(page, "When was the interview offered?", now - timedelta(hours=19))
    page.get_by_label("Who offered the interview?").fill("Sam Jones, Safer Futures")
    page.get_by_label("Accepted: the interview took place").check()
    fill_moment(page, "When did the interview take place? (if accepted)", now - timedelta(hours=18))
    page.get_by_label("What the young person said (if accepted)").fill("Stayed with older friends in town")
    page.get_by_label("Push factors (optional)").fill("Arguments at home")
    page.get_by_label("Pull factors (optional)").fill("Older peers offering money")
    page.get_by_role("button", name="Save the interview").click()

    expect(page.get_by_text("Return home interview recorded")).to_be_visible()
    expect(page.get_by_text("Within 72 hours")).to_be_visible()
    page.get_by_role("link", name=re.compile("chronology")).click()
    expect(page.locator("#chronology")).to_contain_text("Return home interview took place")

    page.goto("/tasks/")
    page.get_by_role("link", name=re.compile("Missing episodes and return home interviews")).click()
    expect(page.get_by_role("heading", name=re.compile("completed within 72 hours: 100%"))).to_be_visible()
    check_at_both_widths(page, axe)


def test_the_childs_page_leads_with_a_summary_and_the_chronology_is_one_click_away(signed_in, live_partnership, axe):
    child = live_partnership.council_child
    page = signed_in("caseworker")
    page.set_viewport_size(DESKTOP)
    page.goto(f"/children/{child.pk}/")
    summary = page.locator("#summary")
    expect(summary.get_by_role("heading", name="Summary")).to_be_visible()
    expect(summary).to_contain_text("Lead professional")
    expect(summary).to_contain_text("Not missing")
    expect(page.get_by_role("heading", name="Next things to do")).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("navigation", name="Sections of this record").get_by_role("link", name="Chronology").click()
    expect(page).to_have_url(re.compile("#chronology$"))
    expect(page.get_by_role("heading", name="Chronology", level=2)).to_be_in_viewport()


def test_caseworker_works_from_the_home_pages_caseload(signed_in, live_partnership, axe):
    p = live_partnership
    Child.objects.filter(pk=p.council_child.pk).update(lead_professional=p.users["caseworker"])
    page = signed_in("caseworker")
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
    caseload = page.get_by_role("table", name="Young people you are lead professional for")
    first = caseload.locator("tbody tr").first
    expect(first).to_contain_text(p.council_child.family_name)
    expect(page.get_by_role("table", name="Other children you can see")).to_contain_text(p.shared_child.family_name)
    check_at_both_widths(page, axe)
    page.get_by_label("Sort young people").select_option(label="Youngest first")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page.get_by_role("table", name="Other children you can see, youngest first")).to_be_visible()
    check_at_both_widths(page, axe)
    caseload = page.get_by_role("table", name="Young people you are lead professional for")
    first = caseload.locator("tbody tr").first
    first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{p.council_child.given_name} {p.council_child.family_name}"
    )


def test_police_officer_picks_a_young_person_on_the_intelligence_form(signed_in, live_partnership, axe):
    p = live_partnership
    child = p.shared_child
    page = signed_in("police")
    page.set_viewport_size(DESKTOP)
    page.goto("/police/intelligence/new/")
    children = page.get_by_role("group", name="Young people (optional)")
    expect(children).to_contain_text("None chosen yet")
    check_at_both_widths(page, axe)
    # The "Find" button still works with the autocomplete on (and is all there is without JavaScript).
    page.get_by_role("combobox", name="Find a young person").fill(child.reference)
    page.get_by_role("button", name="Find a young person").click()
    expect(page.get_by_role("status").filter(has_text="found")).to_contain_text("1 found")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    check_at_both_widths(page, axe)
    children.get_by_label(f"{child.given_name} {child.family_name} ({child.reference})").check()
    fill_date_only(page, "Date received", timezone.localdate())
    page.get_by_role("group", name="Source evaluation").get_by_label("2 – Untested").check()
    page.get_by_role("group", name="Intelligence assessment").get_by_label(re.compile("^B –")).check()
    page.get_by_role("group", name="Handling code").get_by_label(re.compile("^P –")).check()
    page.get_by_label("Intelligence", exact=True).fill("Seen with older males at the station.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("^Intelligence "), level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{child.given_name} {child.family_name}")


def fill_date_only(page: Page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


# Links not to follow: downloads, the API, the Django admin (checked from its own index), sign-out.
NOT_A_PAGE = re.compile(r"export|download|\.csv|/api/|/admin/|sign-out|^#")
PAGES_PER_PERSONA = 32
LINKS_PER_PAGE = 4  # so that every navigation page's records are reached before the cap


def seed_a_record_of_each_kind(p) -> None:
    """Something on each main page: police records, a panel meeting with an action, a return home
    interview task, a mentoring match."""
    police_matrix.person(p), police_matrix.report(p), police_matrix.disruption(p)
    today = timezone.localdate()
    meeting = make_meeting(p, held_on=today - timedelta(days=20))
    PanelAction.objects.create(
        meeting=meeting,
        description="Check school attendance",
        owner=p.users["caseworker"],
        owner_agency=p.agencies["council"],
        due_on=today - timedelta(days=2),
    )
    now = timezone.now()
    episode = missing_services.report_missing(
        p.users["caseworker"], p.council_child, reported_missing_at=now - timedelta(hours=30), risk_grading="medium"
    )
    missing_services.record_return(
        p.users["caseworker"], episode, returned_at=now - timedelta(hours=20), where_found="Home"
    )
    partnership_match(p)


def page_kind(path: str) -> str:
    """One page of each kind: /children/12/ and /children/40/ are the same page."""
    return re.sub(r"\d+", "N", path.split("?")[0].split("#")[0])


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_personas_main_pages_fit_a_320_px_screen(page: Page, live_partnership, axe, persona):
    """WCAG 2.2 reflow: each page in the persona's navigation, and one page of each kind linked from
    them (a child, a context, a task, a meeting, a police record, a mentoring match...), at 320 px
    wide, with no sideways scrolling of the page itself and no axe violation."""
    seed_a_record_of_each_kind(live_partnership)
    sign_in(page, persona)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.set_viewport_size(PHONE)
    navigation = page.eval_on_selector_all("#navigation a", "links => links.map(link => link.getAttribute('href'))")
    assert navigation
    queue = [*navigation, "/accounts/alert-emails/"]
    seen = {page_kind(path) for path in queue}
    checked = []
    while queue and len(checked) < PAGES_PER_PERSONA:
        path = queue.pop(0)
        page.goto(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{persona}: {path} scrolls sideways by {overflow}px at 320 px"
        axe(page)
        checked.append(path)
        if path.startswith("/admin/"):
            continue
        links = page.eval_on_selector_all("main a[href^='/']", "links => links.map(link => link.getAttribute('href'))")
        new: dict[str, str] = {}
        for link in links:
            if not NOT_A_PAGE.search(link) and page_kind(link) not in seen:
                new.setdefault(page_kind(link), link)
        for kind, link in list(new.items())[:LINKS_PER_PAGE]:
            seen.add(kind)
            queue.append(link)
    assert len(checked) > len(navigation) or persona == "admin", checked


def test_htmx_works_under_the_content_security_policy(browser, live_server, live_partnership):
    """The other journeys bypass the CSP (to inject axe); this one keeps it and fails on any console
    error or CSP violation while htmx loads the quick-add and filter forms and swaps in a new event."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        sign_in(page, "caseworker")
        page.goto(f"/children/{live_partnership.council_child.pk}/")
        chronology = page.locator("#chronology")
        chronology.get_by_text("Add an event").click()
        expect(chronology.get_by_label("Summary")).to_be_visible()  # loaded by htmx
        chronology.get_by_text("Filter the chronology").click()
        expect(chronology.get_by_role("button", name=re.compile("Apply|Filter"))).to_be_visible()
        today = timezone.localdate()
        group = chronology.get_by_role("group", name="Date of the event")
        group.get_by_label("Day").fill(str(today.day))
        group.get_by_label("Month").fill(str(today.month))
        group.get_by_label("Year").fill(str(today.year))
        chronology.get_by_label("Type of event", exact=True).select_option(label="Contact")
        chronology.get_by_label("Summary").fill("Seen at school by the caseworker")
        chronology.get_by_role("button", name="Add the event").click()
        expect(page.locator("#chronology")).to_contain_text("Event added to the chronology")  # swapped by htmx
        expect(page.locator("#chronology")).to_contain_text("Seen at school by the caseworker")
        assert not problems, problems
    finally:
        context.close()


def test_a_user_chooses_a_daily_digest_of_alert_emails(signed_in, live_partnership, axe):
    page = signed_in("dpo")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Alert emails").click()
    expect(page.get_by_role("heading", name="Alert emails", level=1)).to_be_visible()
    choice = page.get_by_role("group", name="How do you want alert emails?")
    expect(choice.get_by_label("As each alert happens")).to_be_checked()
    check_at_both_widths(page, axe)
    choice.get_by_label("Once a day, in one email").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your alert emails choice has been saved")).to_be_visible()
    expect(
        page.get_by_role("group", name="How do you want alert emails?").get_by_label("Once a day, in one email")
    ).to_be_checked()
    check_at_both_widths(page, axe)


def pick_with_the_autocomplete(page: Page, child) -> None:
    box = page.get_by_role("combobox", name="Find a young person")
    box.press_sequentially(child.given_name[:4], delay=30)
    option = page.get_by_role("option", name=f"{child.given_name} {child.family_name} ({child.reference})")
    expect(option).to_be_visible()
    option.click()


def test_police_officer_picks_a_young_person_with_the_autocomplete(
    signed_in, live_partnership, axe, browser, live_server
):
    """The search box is an accessible autocomplete over the picker's endpoint: it offers only young
    people the officer may see, and choosing one ticks them on the form."""
    p = live_partnership
    child, hidden = p.shared_child, p.council_child
    Child.objects.filter(pk=hidden.pk).update(given_name=child.given_name)  # a namesake the police cannot see
    page = signed_in("police")
    page.set_viewport_size(DESKTOP)
    page.goto("/police/intelligence/new/")
    box = page.get_by_role("combobox", name="Find a young person")
    box.press_sequentially(child.given_name[:4], delay=30)
    expect(page.get_by_role("option")).to_have_count(1)
    expect(page.get_by_role("listbox")).not_to_contain_text(hidden.family_name)
    check_at_both_widths(page, axe)
    page.get_by_role("option", name=f"{child.given_name} {child.family_name} ({child.reference})").click()
    children = page.get_by_role("group", name="Young people (optional)")
    expect(children.get_by_label(f"{child.given_name} {child.family_name} ({child.reference})")).to_be_checked()
    check_at_both_widths(page, axe)
    fill_date_only(page, "Date received", timezone.localdate())
    page.get_by_role("group", name="Source evaluation").get_by_label("2 – Untested").check()
    page.get_by_role("group", name="Intelligence assessment").get_by_label(re.compile("^B –")).check()
    page.get_by_role("group", name="Handling code").get_by_label(re.compile("^P –")).check()
    page.get_by_label("Intelligence", exact=True).fill("Seen with older males at the station.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("^Intelligence "), level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{child.given_name} {child.family_name}")

    # Under the real Content Security Policy (the page above bypasses it to inject axe): no errors.
    strict = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        other = strict.new_page()
        problems: list[str] = []
        other.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        other.on("pageerror", lambda error: problems.append(str(error)))
        sign_in(other, "police")
        other.goto("/police/intelligence/new/")
        pick_with_the_autocomplete(other, child)
        expect(other.get_by_role("group", name="Young people (optional)").get_by_role("checkbox")).to_be_checked()
        assert not problems, problems
    finally:
        strict.close()
