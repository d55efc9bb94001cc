"""The home page is a caseload: the young people I am lead professional for first, then my
agencies' others, one page at a time without a total, in the order I choose, with tier and flags; my
tasks due and overdue; what others recorded since I last looked, a mentor's concern among it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Child, ChronologyEvent
from interventions.models import Task
from interventions.services import missing as missing_services
from mentoring import services as mentoring_services
from tests.factories import InvolvementFactory
from tests.mentoring_helpers import partnership_match

pytestmark = pytest.mark.django_db


def test_my_children_come_first_then_my_agencys(client_for, partnership):
    p = partnership
    caseworker = p.users["caseworker"]
    others = [InvolvementFactory(agency=p.agencies["council"]).child for _ in range(3)]
    mine = InvolvementFactory(agency=p.agencies["council"]).child
    Child.objects.filter(pk=mine.pk).update(lead_professional=caseworker, family_name="Zzlast")
    response = client_for("caseworker").get(reverse("home"))
    assert [child.pk for child in response.context["mine"]] == [mine.pk]
    rows = list(response.context["page"])
    assert mine.pk not in {child.pk for child in rows}
    assert {child.pk for child in rows} >= {child.pk for child in others}
    body = response.content.decode()
    assert body.index("Young people you are lead professional for") < body.index("Other children you can see")
    assert body.index("Zzlast") < body.index("Other children you can see")


def test_the_caseload_is_paged_without_a_total(client_for, partnership, django_assert_num_queries):
    p = partnership
    for _ in range(30):
        InvolvementFactory(agency=p.agencies["council"])
    response = client_for("caseworker").get(reverse("home"))
    body = response.content.decode()
    assert len(response.context["page"]) == 25
    assert "of many" in body and "in total" not in body


def test_flags_show_missing_interview_due_and_in_care(client_for, partnership):
    p = partnership
    user = p.users["caseworker"]
    now = timezone.now()
    missing = InvolvementFactory(agency=p.agencies["council"]).child
    missing_services.report_missing(user, missing, reported_missing_at=now - timedelta(hours=2), risk_grading="high")
    back = InvolvementFactory(agency=p.agencies["council"]).child
    episode = missing_services.report_missing(
        user, back, reported_missing_at=now - timedelta(hours=9), risk_grading="low"
    )
    missing_services.record_return(user, episode, returned_at=now - timedelta(hours=1), where_found="Home")
    Child.objects.filter(pk=p.council_child.pk).update(looked_after=True)
    rows = {child.pk: child for child in client_for("caseworker").get(reverse("home")).context["page"]}
    assert rows[missing.pk].is_missing and not rows[missing.pk].interview_due
    assert rows[back.pk].interview_due and not rows[back.pk].is_missing
    body = client_for("caseworker").get(reverse("home")).content.decode()
    assert "Missing</strong>" in body and "Interview due</strong>" in body and "In care</strong>" in body


def test_my_tasks_due_and_overdue_are_on_the_home_page(client_for, partnership):
    p = partnership
    now = timezone.now()
    Task.objects.create(
        kind="other", title="Late", child=p.council_child, agency=p.agencies["council"], due_at=now - timedelta(hours=1)
    )
    Task.objects.create(kind="review", title="Soon", agency=p.agencies["council"], due_at=now + timedelta(days=1))
    body = client_for("caseworker").get(reverse("home")).content.decode()
    section = body[body.index('id="my-tasks"') : body.index("Your caseload")]
    assert section.index("Overdue") < section.index("Review")
    assert f"for {p.council_child.given_name} {p.council_child.family_name}" in section
    police = client_for("police").get(reverse("home")).content.decode()
    assert "Nothing due" in police[police.index('id="my-tasks"') :]


def test_the_tier_shows_only_to_those_who_see_the_cohort(client_for, partnership):
    assert (
        '<th scope="col" class="govuk-table__header">Tier</th>'
        in client_for("caseworker").get(reverse("home")).content.decode()
    )
    assert (
        '<th scope="col" class="govuk-table__header">Tier</th>'
        not in client_for("voluntary").get(reverse("home")).content.decode()
    )


def sign_in_through_the_form(client, user):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": "correct horse battery"})


def test_what_others_recorded_since_i_last_signed_in(client, partnership):
    p = partnership
    caseworker = p.users["caseworker"]
    child = p.council_child
    Child.objects.filter(pk=child.pk).update(lead_professional=caseworker)
    last_time = timezone.now() - timedelta(days=2)
    type(caseworker).objects.filter(pk=caseworker.pk).update(last_login=last_time)
    before = ChronologyEvent.objects.create(
        child=child,
        occurred_on=timezone.localdate(),
        kind="contact",
        summary="Old news",
        source_agency=p.agencies["police"],
    )
    ChronologyEvent.objects.filter(pk=before.pk).update(recorded_at=last_time - timedelta(hours=1))
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=timezone.localdate(),
        kind="arrest",
        summary="Arrested in town",
        source_agency=p.agencies["police"],
        recorded_by=p.users["police"],
    )
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=timezone.localdate(),
        kind="contact",
        summary="My own visit",
        source_agency=p.agencies["council"],
        recorded_by=caseworker,
    )
    assert sign_in_through_the_form(client, caseworker).status_code == 302
    body = client.get(reverse("home")).content.decode()
    section = body[body.index('id="changes"') : body.index("Your caseload")]
    assert "Since you last signed in" in section
    assert "Arrested in town" in section
    assert "Old news" not in section and "My own visit" not in section


def test_without_a_previous_sign_in_the_last_seven_days_are_shown(client_for, partnership):
    body = client_for("caseworker").get(reverse("home")).content.decode()
    assert "In the last 7 days" in body


def test_the_caseload_sorts_as_it_says_in_a_fixed_number_of_queries(client_for, partnership, django_assert_num_queries):
    p = partnership
    today = timezone.localdate()
    made = []
    for years, family in ((16, "Adams"), (11, "Brown"), (14, "Cole")):
        child = InvolvementFactory(agency=p.agencies["council"]).child
        Child.objects.filter(pk=child.pk).update(
            family_name=family, date_of_birth=today - timedelta(days=365 * years + 30)
        )
        made.append(child.pk)
    client = client_for("caseworker")

    def order(sort: str) -> list[int]:
        response = client.get(reverse("home"), {"sort": sort})
        assert response.status_code == 200
        return [child.pk for child in response.context["page"] if child.pk in made]

    adams, brown, cole = made
    assert order("name") == [adams, brown, cole]
    assert order("youngest") == [brown, cole, adams]
    assert order("oldest") == [adams, cole, brown]
    assert order("newest") == [cole, brown, adams]
    assert order("nonsense") == [adams, brown, cole]  # an unknown order is the default
    body = client.get(reverse("home"), {"sort": "youngest"}).content.decode()
    assert "Children you can see, youngest first" in body
    assert '<option value="youngest" selected>Youngest first</option>' in body
    # The query count does not depend on the order or on how many children there are.
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("home"), {"sort": "oldest"})
    for _ in range(30):
        InvolvementFactory(agency=p.agencies["council"])
    with django_assert_num_queries(len(first)):
        body = client.get(reverse("home"), {"sort": "newest"}).content.decode()
    assert "?sort=newest&amp;page=2" in body  # the next page keeps the order


def test_a_concern_from_a_mentor_is_among_what_changed(client_for, partnership):
    p = partnership
    match = partnership_match(p)
    InvolvementFactory(agency=p.agencies["council"], child=match.child)
    Child.objects.filter(pk=match.child_id).update(lead_professional=p.users["caseworker"])
    match.child.refresh_from_db()
    mentoring_services.raise_concern(p.users["mentor"], match, what_happened="Older boys waited for him")
    response = client_for("caseworker").get(reverse("home"))
    [change] = response.context["changes"]
    assert change.child_id == match.child_id and change.summary == "Concern raised by a community mentor"
    body = response.content.decode()
    assert "Concern raised by a community mentor" in body.split('id="changes"')[1].split("Your caseload")[0]
