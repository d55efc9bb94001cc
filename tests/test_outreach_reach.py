"""The reach report on a small hand-made data set: every figure, exactly, for two periods and two
areas (and all areas), as a police officer who does both the agency's outreach and its group work,
as its outreach officer (outreach only) and as a manager (the whole partnership's figures); then
the page, the CSV export and its audit row."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from outreach.models import (
    Attendance,
    DoorToDoorCampaign,
    EngagementRecord,
    Establishment,
    Group,
    GroupSession,
    OutreachEvent,
)
from outreach.reports import reach
from tests.factories import ChildFactory, MembershipFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

PERIOD_A = (date(2025, 1, 1), date(2025, 3, 31))
PERIOD_B = (date(2025, 4, 1), date(2025, 6, 30))


@pytest.fixture
def world(partnership):
    police, outreach = partnership.agencies["police"], partnership.users["outreach"]
    north, south = NeighbourhoodFactory(name="North"), NeighbourhoodFactory(name="South")

    def event(area, held_on, activity, audience, headcount, status="delivered", agency=police):
        OutreachEvent.objects.create(
            agency=agency,
            area=area,
            held_on=held_on,
            activity=activity,
            audience=audience,
            headcount=headcount,
            status=status,
            organisation="Test",
            delivered_by="Test",
            recorded_by=outreach,
        )

    event(north, date(2025, 1, 10), "training", "non_police_professionals", 30)
    event(north, date(2025, 2, 15), "awareness", "night_time_economy", 120)
    event(south, date(2025, 3, 1), "awareness", "school_students", 200)
    event(south, date(2025, 3, 20), "training", "non_police_professionals", 15)
    event(north, date(2025, 3, 25), "awareness", "school_students", 50, status="planned")  # not delivered
    event(north, date(2025, 4, 10), "training", "non_police_professionals", 12)
    event(south, date(2025, 5, 5), "awareness", "night_time_economy", 80)
    event(north, date(2025, 1, 20), "training", "health_staff", 999, agency=partnership.agencies["council"])

    def place(name, area, kind, provider="", *steps):
        found = Establishment.objects.create(
            agency=police, name=name, area=area, kind=kind, provider_type=provider, recorded_by=outreach
        )
        for outcome, on in steps:
            EngagementRecord.objects.create(establishment=found, outcome=outcome, occurred_on=on, recorded_by=outreach)

    place(
        "Hotel",
        north,
        "hotel",
        "",
        ("contacted", date(2025, 1, 5)),
        ("engaged", date(2025, 2, 1)),
        ("trained", date(2025, 4, 15)),
    )
    place(
        "Home",
        south,
        "childrens_home",
        "independent",
        ("declined", date(2025, 3, 10)),
        ("declined", date(2025, 5, 1)),
    )
    place("Bar", north, "venue", "", ("no_response", date(2025, 2, 20)), ("engaged", date(2025, 6, 1)))

    for area, started, ended, households in (
        (north, date(2025, 2, 1), date(2025, 2, 3), 150),
        (south, date(2025, 3, 30), date(2025, 4, 2), 90),
        (north, date(2025, 5, 10), date(2025, 5, 11), 60),
    ):
        DoorToDoorCampaign.objects.create(
            agency=police,
            area=area,
            streets="Test",
            started_on=started,
            ended_on=ended,
            households_reached=households,
            recorded_by=outreach,
        )

    c1, c2, c3 = ChildFactory(), ChildFactory(), ChildFactory()
    groups = {
        area: Group.objects.create(agency=police, context=context, name=f"Group {area}", area=area, created_by=outreach)
        for area, context in ((north, partnership.hotspot), (south, partnership.peer_group))
    }
    for area, held_on, minutes, children in (
        (north, date(2025, 1, 15), 90, (c1, c2)),
        (north, date(2025, 3, 1), 60, (c1,)),
        (south, date(2025, 2, 10), 100, (c2, c3)),
        (north, date(2025, 4, 20), 45, (c1, c2, c3)),
        (south, date(2025, 6, 30), 30, (c3,)),
    ):
        session = GroupSession.objects.create(
            group=groups[area], held_on=held_on, activity="Test", duration_minutes=minutes, recorded_by=outreach
        )
        for child in children:
            Attendance.objects.create(session=session, child=child)
    worker = MembershipFactory(agency=police, role=Role.OUTREACH_OFFICER).user
    MembershipFactory(agency=police, role=Role.CASEWORKER, user=worker)
    manager = MembershipFactory(agency=police, role=Role.MANAGER).user
    return {"north": north, "south": south, "worker": worker, "manager": manager, "outreach": outreach}


def figures(found):
    return {
        "people": {row.audience: (row.training, row.awareness) for row in found.rows if row.total},
        "events": found.events,
        "trained": found.trained,
        "awareness": found.awareness,
        "total": found.people,
        "engaged": found.establishments_engaged,
        "declined": found.establishments_declined,
        "campaigns": found.campaigns,
        "households": found.households,
        "sessions": found.group_sessions,
        "attendances": found.attendances,
        "young_people": found.young_people,
        "contact_hours": str(found.contact_hours),
    }


EXPECTED = {
    ("A", "north"): {
        "people": {"non_police_professionals": (30, 0), "night_time_economy": (0, 120)},
        "events": 2,
        "trained": 30,
        "awareness": 120,
        "total": 150,
        "engaged": 1,
        "declined": 0,
        "campaigns": 1,
        "households": 150,
        "sessions": 2,
        "attendances": 3,
        "young_people": 2,
        "contact_hours": "4.0",
    },
    ("A", "south"): {
        "people": {"school_students": (0, 200), "non_police_professionals": (15, 0)},
        "events": 2,
        "trained": 15,
        "awareness": 200,
        "total": 215,
        "engaged": 0,
        "declined": 1,
        "campaigns": 1,
        "households": 90,
        "sessions": 1,
        "attendances": 2,
        "young_people": 2,
        "contact_hours": "3.3",
    },
    ("A", None): {
        "people": {"non_police_professionals": (45, 0), "night_time_economy": (0, 120), "school_students": (0, 200)},
        "events": 4,
        "trained": 45,
        "awareness": 320,
        "total": 365,
        "engaged": 1,
        "declined": 1,
        "campaigns": 2,
        "households": 240,
        "sessions": 3,
        "attendances": 5,
        "young_people": 3,
        "contact_hours": "7.3",
    },
    ("B", "north"): {
        "people": {"non_police_professionals": (12, 0)},
        "events": 1,
        "trained": 12,
        "awareness": 0,
        "total": 12,
        "engaged": 2,
        "declined": 0,
        "campaigns": 1,
        "households": 60,
        "sessions": 1,
        "attendances": 3,
        "young_people": 3,
        "contact_hours": "2.3",
    },
    ("B", "south"): {
        "people": {"night_time_economy": (0, 80)},
        "events": 1,
        "trained": 0,
        "awareness": 80,
        "total": 80,
        "engaged": 0,
        "declined": 1,
        "campaigns": 0,
        "households": 0,
        "sessions": 1,
        "attendances": 1,
        "young_people": 1,
        "contact_hours": "0.5",
    },
}


@pytest.mark.parametrize(("period", "area"), list(EXPECTED))
def test_every_figure_for_two_periods_and_two_areas(world, period, area):
    start, end = PERIOD_A if period == "A" else PERIOD_B
    found = reach(world["worker"], start, end, world[area] if area else None)
    assert figures(found) == EXPECTED[(period, area)]


def test_outreach_officer_sees_the_same_outreach_figures_and_no_group_work(world):
    found = reach(world["outreach"], *PERIOD_A, world["north"])
    expected = {**EXPECTED[("A", "north")], "sessions": 0, "attendances": 0, "young_people": 0, "contact_hours": "0.0"}
    assert figures(found) == expected


def test_a_manager_sees_the_whole_partnerships_figures(world, partnership):
    """The youth justice manager: the police work and the council's health staff training too."""
    found = figures(reach(partnership.users["manager"], *PERIOD_A, world["north"]))
    expected = EXPECTED[("A", "north")]
    assert found == {
        **expected,
        "people": {**expected["people"], "health_staff": (999, 0)},
        "events": 3,
        "trained": 1029,
        "total": 1149,
    }


def test_another_agency_sees_none_of_it(world, partnership):
    assert figures(reach(partnership.users["voluntary"], *PERIOD_A))["total"] == 0


def date_query(start, end, area=None):
    query = {
        "start_day": start.day,
        "start_month": start.month,
        "start_year": start.year,
        "end_day": end.day,
        "end_month": end.month,
        "end_year": end.year,
    }
    if area:
        query["area"] = area.pk
    return query


def test_page_and_csv_show_the_figures_and_the_export_is_audited(world, client):
    client.force_login(world["manager"])
    page = client.get(reverse("outreach:reach_report"), date_query(*PERIOD_A, world["south"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 January 2025 to 31 March 2025, South" in text
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">215</td>' in text
    response = client.get(reverse("outreach:reach_export"), date_query(*PERIOD_A, world["south"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["School students", "0", "200", "200", "1"] in rows
    assert ["All audiences", "15", "200", "215", "2"] in rows
    assert ["Establishments declined", "1"] in rows
    assert ["Contact hours", "3.3"] in rows
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.detail == {"export": "reach report"}
    exported = set(export.subjects.values_list("object_type", "object_id"))
    south_events = OutreachEvent.objects.filter(area=world["south"], held_on__lte=PERIOD_A[1])
    assert exported == {("outreach.outreachevent", str(pk)) for pk in south_events.values_list("pk", flat=True)}


def test_an_end_before_the_start_is_a_clear_error(world, client):
    client.force_login(world["manager"])
    response = client.get(reverse("outreach:reach_report"), date_query(PERIOD_B[1], PERIOD_B[0]))
    assert "The end date must be the same as or after the start date" in response.content.decode()
    assert client.get(reverse("outreach:reach_export"), date_query(PERIOD_B[1], PERIOD_B[0])).status_code == 400
