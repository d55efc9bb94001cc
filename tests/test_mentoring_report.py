"""The mentoring report on a small hand-made network: every figure, for two date ranges.

Period A is days 0-99 and period B days 100-199 after day 0 (200 days ago); statuses and lists are
as they stood on each period's last day, matches started and sessions within the period."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Involvement
from mentoring import queries
from mentoring.models import Match, Mentor, MentoringReferral, MentoringSession, MentorStep
from tests.factories import AgencyFactory, ChildFactory

pytestmark = pytest.mark.django_db


def day(n):
    return timezone.localdate() - timedelta(days=200) + timedelta(days=n)


PERIOD_A = (day(0), day(99))
PERIOD_B = (day(100), day(199))


@pytest.fixture
def network(partnership):
    agency, coordinator = partnership.agencies["mentoring"], partnership.users["coordinator"]

    def mentor(name, *steps, agency=agency):
        made = Mentor.objects.create(agency=agency, given_name=name, family_name="Test", status=steps[-1][0])
        for status, on in steps:
            MentorStep.objects.create(mentor=made, status=status, moved_on=day(on), moved_by=coordinator)
        return made

    m1 = mentor("One", ("applicant", -50), ("vetting", -40), ("in_training", -30), ("active", -10))
    m2 = mentor("Two", ("applicant", 0), ("vetting", 10), ("in_training", 50), ("active", 120))
    m3 = mentor("Three", ("active", -10), ("paused", 150))
    mentor("Four", ("applicant", 120))
    mentor("Five", ("in_training", 20), ("left", 130))
    mentor("Elsewhere", ("active", -10), agency=AgencyFactory(name="Another mentoring network"))

    def referral(referred, **fields):
        child = ChildFactory()
        Involvement.objects.create(agency=agency, child=child, started_on=day(referred))
        return MentoringReferral.objects.create(
            child=child,
            agency=agency,
            referred_by=partnership.users["caseworker"],
            referrer_agency=partnership.agencies["council"],
            referred_on=day(referred),
            reason="x",
            goals="y",
            **fields,
        )

    def match(made, mentor, started, ended=None):
        return Match.objects.create(
            referral=made,
            mentor=mentor,
            child=made.child,
            started_on=day(started),
            ended_on=day(ended) if ended is not None else None,
            end_reason="goals_met" if ended is not None else "",
            suitability_notes="x",
            proposed_by=coordinator,
        )

    c1 = match(referral(-20, status="closed", closed_on=day(150)), m1, 5, 150)
    c2 = match(referral(30, status="matched", preparation_started_on=day(31), preparation_ended_on=day(60)), m3, 110)
    referral(40, status="preparation", preparation_started_on=day(45))
    referral(150)
    referral(-5, status="closed", closed_on=day(50))
    match(referral(10, status="matched"), m2, 180)

    def session(on_match, on, minutes, attended=True):
        MentoringSession.objects.create(
            match=on_match,
            held_on=day(on),
            duration_minutes=minutes,
            activity="x",
            place_type="cafe",
            attended=attended,
            recorded_by=coordinator,
        )

    session(c1, 10, 60)
    session(c1, 20, 30, attended=False)
    session(c1, 99, 90)
    session(c1, 100, 45)
    session(c2, 120, 135)
    session(c2, 199, 60, attended=False)
    session(c2, 200, 30)
    return coordinator


def test_every_figure_for_the_first_period(network):
    report = queries.report(network, *PERIOD_A)
    assert report.mentors_by_status == {"active": 2, "in_training": 2, "paused": 0}
    assert (report.matched_active, report.matched_started) == (1, 1)
    assert (report.waiting, report.in_preparation) == (2, 1)
    assert (report.sessions_attended, report.sessions_missed, report.hours) == (2, 1, 2.5)


def test_every_figure_for_the_second_period(network):
    report = queries.report(network, *PERIOD_B)
    assert report.mentors_by_status == {"active": 2, "in_training": 0, "paused": 1}
    assert (report.matched_active, report.matched_started) == (2, 2)
    assert (report.waiting, report.in_preparation) == (1, 1)
    assert (report.sessions_attended, report.sessions_missed, report.hours) == (2, 1, 3.0)


def test_the_report_page_and_its_csv_export_show_the_same_figures(client_for, network):
    start, end = PERIOD_B
    query = {
        "start_day": start.day,
        "start_month": start.month,
        "start_year": start.year,
        "end_day": end.day,
        "end_month": end.month,
        "end_year": end.year,
    }
    client = client_for("coordinator")
    page = client.get(reverse("mentoring:report"), query).content.decode()
    assert "Mentors paused" in page
    response = client.get(reverse("mentoring:report_csv"), query)
    rows = [line.split(",") for line in response.content.decode().strip().splitlines()]
    figures = {row[0]: row[1] for row in rows[1:]}
    assert figures["Mentors active"] == "2" and figures["Mentors paused"] == "1"
    assert figures["Young people matched (started in the period)"] == "2"
    assert figures["Hours of mentoring (attended sessions)"] == "3.0"
    assert AuditEvent.objects.filter(action="export", user=network).exists()


def test_nobody_else_sees_the_network_in_their_report(partnership, network):
    report = queries.report(partnership.users["manager"], *PERIOD_B)
    assert report.mentors_by_status == {"active": 0, "in_training": 0, "paused": 0}
    assert report.matched_active == report.waiting == report.sessions_attended == 0
