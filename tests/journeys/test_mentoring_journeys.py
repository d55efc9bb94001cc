"""Community mentoring in the browser (issue 15's acceptance): the coordinator takes an applicant
through vetting and training to active and matches them with a young person from the waiting
list; the mentor, at 390 px and at 320 px, logs a session and raises a concern; the lead
professional sees the concern on their task list and in the chronology; the coordinator ends the
match and the mentor gets "Page not found" for that young person. axe runs on every new page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from cases.models import Child
from mentoring import services
from tests.factories import MembershipFactory, UserFactory
from tests.journeys.test_access_grants_journey import (
    DESKTOP,
    check_at_both_widths,
    fill_date,
    full_name,
    sign_in_as,
    sign_out,
)
from tests.mentoring_helpers import ensure_training_modules, vetted_mentor

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
PHONE_320 = {"width": 320, "height": 640}


def mentor_login(p, username="newmentor"):
    login = UserFactory(username=username, first_name="Devon", last_name="Clarke", email="devon@example.org")
    MembershipFactory(user=login, agency=p.agencies["mentoring"], role=Role.MENTOR)
    return login


def refer_council_child(p):
    Child.objects.filter(pk=p.council_child.pk).update(lead_professional=p.users["caseworker"])
    return services.refer(
        p.users["caseworker"],
        p.council_child,
        agency=p.agencies["mentoring"],
        reason="Says he has nobody to talk to",
        goals="Back into football",
        preferences="A male role model",
        interests="football",
        area="Riverton Central",
    )


def matched(p):
    """A vetted, active mentor matched (through the services) with the council child."""
    coordinator = p.users["coordinator"]
    login = mentor_login(p)
    mentor = vetted_mentor(p.agencies["mentoring"], login, moved_by=coordinator, given_name="Devon")
    referral = refer_council_child(p)
    services.update_sharing(coordinator, referral, preferred_name="Jay", shared_note="Plays for a Sunday league team")
    match = services.start_match(
        coordinator, referral, mentor, started_on=timezone.localdate(), suitability_notes="Football"
    )
    return login, match


def test_coordinator_vets_trains_activates_and_matches_an_applicant(page: Page, live_partnership, axe, screenshot):
    p = live_partnership
    ensure_training_modules()
    mentor_login(p)
    refer_council_child(p)
    today = timezone.localdate()
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Mentoring", exact=True).click()
    expect(page.get_by_role("heading", name="Community mentoring", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Mentors and vetting").click()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Add an applicant").click()
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter their first name")
    check_at_both_widths(page, axe)
    page.get_by_label("First name").fill("Devon")
    page.get_by_label("Last name").fill("Clarke")
    page.get_by_label("Area").fill("Riverton Central")
    page.get_by_label("Gender").fill("Male")
    page.get_by_label("Interests").fill("football, music")
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Devon Clarke", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    screenshot("applicant")

    def move(step):
        page.get_by_role("link", name="Move to the next step").click()
        page.get_by_label(step, exact=True).check()
        fill_date(page, "Date of this step", today)
        page.get_by_role("button", name="Save").click()

    move("Vetting")
    expect(page.get_by_text("Vetting since")).to_be_visible()

    page.get_by_role("link", name="Record the DBS check").click()
    check_at_both_widths(page, axe)
    fill_date(page, "Date on the certificate", today - timedelta(days=10))
    page.get_by_label("Certificate number").fill("12345")
    page.get_by_label("Clear: nothing disclosed").check()
    page.get_by_label("The check was enhanced, with the children's barred list").check()
    page.get_by_label("Registered, status checked").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a DBS certificate number of 12 digits")
    page.get_by_label("Certificate number").fill("001234567890")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("certificate 001234567890")).to_be_visible()

    for name in ("Ruth Adeyemi", "Tom Price"):
        page.get_by_role("link", name="Add a reference").click()
        page.get_by_label("Referee's name").fill(name)
        fill_date(page, "Date received", today - timedelta(days=5))
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Save").click()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Record the interview").click()
    fill_date(page, "Date of the interview", today - timedelta(days=4))
    page.get_by_label("Notes").fill("Warm, clear about boundaries")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vetting complete")).to_be_visible()
    move("In training")

    for _ in range(4):
        page.get_by_role("link", name="Record a completed module").click()
        page.get_by_label("Module").select_option(index=1)
        fill_date(page, "Date completed", today)
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Training complete")).to_be_visible()
    page.get_by_role("link", name="Link their sign-in").click()
    check_at_both_widths(page, axe)
    page.get_by_label("Mentor sign-in").select_option(label="Devon Clarke (newmentor)")
    page.get_by_role("button", name="Save").click()
    move("Active")
    expect(page.locator(".govuk-tag", has_text="Active")).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Mentoring", exact=True).click()
    page.get_by_role("link", name="Waiting list and preparation").click()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name=full_name(p.council_child)).click()
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="Find a mentor").click()
    expect(page.get_by_text("Lives or works in Riverton Central")).to_be_visible()
    expect(page.get_by_text("Shares interests: football")).to_be_visible()
    check_at_both_widths(page, axe)
    screenshot("ranking")
    page.get_by_label("Devon Clarke").check()
    page.get_by_label("Why this mentor suits this young person").fill("Both love football; he asked for a man")
    page.get_by_role("button", name="Start the match").click()
    expect(page.get_by_text("The mentor can now see this young person")).to_be_visible()
    check_at_both_widths(page, axe)


@pytest.mark.parametrize("width", [PHONE_390, PHONE_320], ids=["390px", "320px"])
def test_mentor_logs_a_session_and_raises_a_concern_that_reaches_the_lead_professional(
    page: Page, live_partnership, axe, screenshot, width
):
    p = live_partnership
    _login, match = matched(p)
    child = p.council_child
    page.set_viewport_size(width)
    sign_in_as(page, "newmentor")
    expect(page.get_by_role("heading", name="Your mentoring", level=1)).to_be_visible()
    expect(page.get_by_text("Plays for a Sunday league team")).to_be_visible()
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.get_by_role("link", name=full_name(child), exact=True).click()
    axe(page)
    page.get_by_role("link", name="Log a session").click()
    fill_date(page, "Date of the session", timezone.localdate())
    page.get_by_label("Yes").check()
    page.get_by_label("How long, in minutes").fill("0")
    page.get_by_label("What you did").fill("Kick-about, then chips")
    page.get_by_label("Park or outdoors").check()
    page.get_by_label("Good", exact=True).check()
    page.get_by_role("button", name="Save the session").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The session must last at least 1 minute")
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.get_by_label("How long, in minutes").fill("90")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_text("Session logged")).to_be_visible()
    expect(page.get_by_text("Kick-about, then chips (90 minutes")).to_be_visible()

    page.get_by_role("link", name="Raise a concern").click()
    expect(page.get_by_text("If a child is in immediate danger, call 999 now")).to_be_visible()
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.get_by_label("What did you see or hear?").fill("He said older lads want him to carry a bag to the station")
    page.get_by_role("button", name="Send the concern").click()
    expect(page.get_by_text("Concern sent to")).to_be_visible()
    screenshot("concern-sent")
    sign_out(page)

    # The lead professional sees the task and the chronology entry.
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, "caseworker")
    page.get_by_role("link", name="Tasks", exact=True).click()
    expect(page.get_by_role("link", name=f"Respond to a mentor's concern ({child.reference})")).to_be_visible()
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_text("Concern raised by a community mentor")).to_be_visible()
    assert match.pk


def test_coordinator_ends_the_match_and_the_mentor_loses_the_young_person(
    page: Page, live_partnership, axe, screenshot
):
    p = live_partnership
    _login, match = matched(p)
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, "newmentor")
    page.goto(f"/mentoring/my/{match.pk}/")
    expect(page.get_by_role("heading", name=full_name(p.council_child), level=1)).to_be_visible()
    sign_out(page)

    sign_in_as(page, "coordinator")
    page.goto(f"/mentoring/matches/{match.pk}/")
    check_at_both_widths(page, axe)
    page.get_by_role("link", name="End the match").click()
    check_at_both_widths(page, axe)
    page.get_by_label("Goals met").check()
    page.get_by_role("button", name="End the match").click()
    expect(page.get_by_text("The mentor can no longer see this young person")).to_be_visible()
    sign_out(page)

    sign_in_as(page, "newmentor")
    page.goto(f"/mentoring/my/{match.pk}/")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    page.goto(f"/children/{p.council_child.pk}/")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    page.goto("/mentoring/my/")
    expect(page.get_by_text("You are not matched with a young person yet")).to_be_visible()
    axe(page)


def test_the_referral_form_and_the_coordinators_other_pages_pass_axe(page: Page, live_partnership, axe):
    """A caseworker refers from the child's page; the coordinator moves the young person into
    preparation, chooses what the mentor sees, reads the report, and opens every remaining form."""
    p = live_partnership
    ensure_training_modules()
    _login, match = matched(p)
    child = p.shared_child
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, "caseworker")
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name="Refer to community mentoring").click()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why mentoring would help this young person")
    check_at_both_widths(page, axe)
    page.get_by_label("Why would mentoring help?").fill("Wants to get back into boxing")
    page.get_by_label("What does the young person hope to get from it?").fill("A trusted adult")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referred to community mentoring")).to_be_visible()
    sign_out(page)

    sign_in_as(page, "coordinator")
    page.goto("/mentoring/waiting/")
    page.get_by_role("link", name=full_name(child)).click()
    page.get_by_role("link", name="Change the stage").click()
    check_at_both_widths(page, axe)
    page.get_by_label("In preparation: not ready yet").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-tag", has_text="In preparation")).to_be_visible()
    page.get_by_role("link", name="Change what the mentor will see").click()
    check_at_both_widths(page, axe)
    page.get_by_label("Name they like to be called").fill("Sonny")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Likes to be called Sonny")).to_be_visible()

    page.goto("/mentoring/report/")
    expect(page.get_by_role("table")).to_contain_text("Young people in preparation (on the last day)")
    check_at_both_widths(page, axe)

    for path in ("step", "references/new", "interview", "training", "supervision", "profile"):
        page.goto(f"/mentoring/mentors/{match.mentor_id}/{path}/")
        check_at_both_widths(page, axe)
    page.goto(f"/mentoring/matches/{match.pk}/renew/")
    check_at_both_widths(page, axe)
    page.get_by_role("button", name="Renew for a year").click()
    expect(page.get_by_text("renewed for another year")).to_be_visible()
