"""The child's page leads with what matters now: a summary (tier, one lead professional, open
missing episode, warning notice for the police, open tasks, last contact) and the next things to
do, then sections reachable from a sub-navigation with the chronology first."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Child, ChronologyEvent, Involvement
from interventions.models import DisruptionAction, PersonOfConcern, Task
from interventions.services import missing as missing_services
from tests.factories import InvolvementFactory
from tests.test_children_pages import create_data

pytestmark = pytest.mark.django_db


def summary_of(body: str) -> str:
    return unescape(body[body.index('id="summary"') : body.index('id="next-heading"')])


def test_a_young_person_just_added_names_its_creator_as_lead_professional_everywhere(client_for, partnership):
    client = client_for("caseworker")
    client.post(reverse("cases:child_create"), create_data())
    child = Child.objects.get(family_name="Okafor")
    caseworker = partnership.users["caseworker"]
    assert child.lead_professional == caseworker
    body = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Not assigned" not in body
    name = caseworker.get_full_name()
    assert f"{name} ({partnership.agencies['council'].name})" in summary_of(body)
    agencies = body[body.index('id="agencies"') :]
    assert "Lead professional</strong>" in agencies[: agencies.index("</table>")]


def test_an_older_record_shows_the_lead_agencys_named_worker_not_not_assigned(client_for, partnership):
    child = partnership.council_child
    Child.objects.filter(pk=child.pk).update(lead_professional=None)
    Involvement.objects.filter(child=child, agency=partnership.agencies["council"]).update(
        is_lead_agency=True, lead_professional=partnership.users["caseworker"]
    )
    body = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Not assigned" not in body
    assert partnership.users["caseworker"].get_full_name() in summary_of(body)


def test_the_summary_shows_the_open_missing_episode_tasks_and_last_contact(client_for, partnership):
    p = partnership
    child = p.council_child
    user = p.users["caseworker"]
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=timezone.localdate() - timedelta(days=3),
        kind="contact",
        summary="Home visit with mum",
        source_agency=p.agencies["council"],
    )
    now = timezone.now()
    earlier = missing_services.report_missing(
        user, child, reported_missing_at=now - timedelta(hours=100), risk_grading="low"
    )
    missing_services.record_return(user, earlier, returned_at=now - timedelta(hours=90), where_found="Home")
    missing_services.report_missing(user, child, reported_missing_at=now - timedelta(hours=3), risk_grading="high")
    body = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    summary = summary_of(body)
    assert "Missing</strong> since" in summary
    assert "1 for you or your agency" in summary
    assert "Home visit with mum" in summary
    next_steps = body[body.index('id="next-heading"') : body.index("app-sub-navigation")]
    assert f"Record {child.given_name}'s return" in next_steps
    assert "Return home interview</a>, due" in next_steps and "Overdue" in next_steps


def test_the_last_contact_is_found_beyond_the_chronology_s_first_page(client_for, partnership):
    # The page reads the last contact from the chronology's first page when it shows it or shows
    # every event; here it does neither (60 newer events of another kind), then there is no contact.
    p = partnership
    child = p.council_child
    today = timezone.localdate()
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=today - timedelta(days=400),
        kind="contact",
        summary="Met at school",
        source_agency=p.agencies["council"],
    )
    ChronologyEvent.objects.bulk_create(
        ChronologyEvent(
            child=child,
            occurred_on=today - timedelta(days=day),
            kind="meeting",
            summary=f"Meeting {day}",
            source_agency=p.agencies["council"],
        )
        for day in range(60)
    )
    client = client_for("caseworker")
    url = reverse("cases:child_detail", args=[child.pk])
    assert "Met at school" in summary_of(client.get(url).content.decode())
    ChronologyEvent.objects.filter(child=child, kind="contact").delete()
    assert 'Last contact</dt><dd class="govuk-summary-list__value">None recorded' in client.get(url).content.decode()


def test_the_chronology_is_one_click_away_and_comes_first(client_for, partnership):
    body = client_for("caseworker").get(reverse("cases:child_detail", args=[partnership.council_child.pk])).content
    body = body.decode()
    nav = body[body.index('aria-label="Sections of this record"') :]
    assert nav.index('href="#chronology"') < nav.index("</nav>")
    assert body.index('id="chronology"') < body.index('id="details"')
    assert body.index('id="summary"') < body.index('id="chronology"')


def test_only_the_police_see_a_warning_notice_in_place(client_for, partnership):
    p = partnership
    child = p.shared_child
    person = PersonOfConcern.objects.create(
        reference="POC-1", given_name="Dan", family_name="Concern", recorded_by=p.users["police"]
    )
    DisruptionAction.objects.create(
        kind="cawn",
        person=person,
        child=child,
        taken_on=timezone.localdate() - timedelta(days=10),
        recorded_by=p.users["police"],
    )
    url = reverse("cases:child_detail", args=[child.pk])
    assert "child abduction warning notice issued" in summary_of(client_for("police").get(url).content.decode())
    assert "warning notice" not in client_for("caseworker").get(url).content.decode()


def test_the_summary_costs_the_same_queries_whatever_the_number_of_tasks(
    client_for, partnership, django_assert_num_queries
):
    p = partnership
    child = p.council_child
    client = client_for("caseworker")
    url = reverse("cases:child_detail", args=[child.pk])
    client.get(url)
    with django_assert_num_queries(CHILD_PAGE_QUERIES):
        client.get(url)
    for _ in range(8):
        other = InvolvementFactory(agency=p.agencies["council"]).child
        missing_services.report_missing(
            p.users["caseworker"], other, reported_missing_at=timezone.now() - timedelta(hours=2), risk_grading="low"
        )
    for hours in range(8):
        Task.objects.create(
            kind="other",
            title="Call",
            child=child,
            agency=p.agencies["council"],
            due_at=timezone.now() + timedelta(hours=hours),
        )
    with django_assert_num_queries(CHILD_PAGE_QUERIES):
        body = client.get(url).content.decode()
    assert "5 or more for you or your agency" in body


# The whole chronology is on the page, so the last contact needs no query of its own.
CHILD_PAGE_QUERIES = 18
