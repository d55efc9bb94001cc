"""The demo's outreach and group work: the live reach report for 1 January to 4 September of the
demo year gives what a plain count of the generated records gives, and so the source document's
figures (210 non-police professionals trained, over 500 night-time economy workers, 628 school
students); the three groups have sessions and registers that reach the young people's chronologies.
Every figure is counted here from the records on its own, then compared with the live report, so a
broken counting rule fails here whatever the generator makes."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, User
from cases.models import ChronologyEvent
from demo.outreach import demo_year
from outreach.models import (
    Attendance,
    DoorToDoorCampaign,
    EngagementRecord,
    Group,
    GroupSession,
    OutreachEvent,
)
from outreach.reports import reach

pytestmark = pytest.mark.django_db


def counted(first, last):
    """The reach figures for [first, last], counted from every record (the demo's outreach is one
    agency's, and the manager reads the partnership's): delivered events' headcounts by audience and
    activity, establishments by engagement outcome, door-to-door, and group registers."""
    people, events = Counter(), Counter()
    for event in OutreachEvent.objects.all():
        if event.status == "delivered" and first <= event.held_on <= last:
            people[(event.audience, event.activity)] += event.headcount
            events[event.audience] += 1
    engagements = [r for r in EngagementRecord.objects.all() if first <= r.occurred_on <= last]
    campaigns = [c for c in DoorToDoorCampaign.objects.all() if first <= c.started_on <= last]
    sessions = {s.pk: s for s in GroupSession.objects.all() if first <= s.held_on <= last}
    present = [a for a in Attendance.objects.all() if a.session_id in sessions]
    return {
        "people": people,
        "events": events,
        "engaged": len({r.establishment_id for r in engagements if r.outcome in ("engaged", "trained")}),
        "declined": len({r.establishment_id for r in engagements if r.outcome == "declined"}),
        "campaigns": len(campaigns),
        "households": sum(c.households_reached for c in campaigns),
        "group_sessions": len(sessions),
        "attendances": len(present),
        "young_people": len({a.child_id for a in present}),
        "contact_minutes": sum(sessions[a.session_id].duration_minutes for a in present),
    }


def assert_outreach_figures(found, expected):
    for row in found.rows:
        assert (row.training, row.awareness, row.events) == (
            expected["people"][(row.audience, "training")],
            expected["people"][(row.audience, "awareness")],
            expected["events"][row.audience],
        ), row.audience
    assert (found.establishments_engaged, found.establishments_declined) == (expected["engaged"], expected["declined"])
    assert (found.campaigns, found.households) == (expected["campaigns"], expected["households"])


def assert_group_figures(found, expected):
    assert (found.group_sessions, found.attendances, found.young_people, found.contact_minutes) == (
        expected["group_sessions"],
        expected["attendances"],
        expected["young_people"],
        expected["contact_minutes"],
    )


def test_demo_reach_report_gives_the_counted_and_the_source_documents_figures(settings):
    settings.DEMO = True
    call_command("seed_demo")
    counts = (OutreachEvent.objects.count(), GroupSession.objects.count(), Attendance.objects.count())
    call_command("seed_demo")
    assert (OutreachEvent.objects.count(), GroupSession.objects.count(), Attendance.objects.count()) == counts

    year = demo_year(timezone.localdate())
    first, last = date(year, 1, 1), date(year, 9, 4)
    outreach = User.objects.get(username="outreach")
    agencies = {event.agency_id for event in OutreachEvent.objects.all()}
    assert len(agencies) == 1 and Membership.objects.filter(user=outreach, agency_id__in=agencies).exists()
    expected = counted(first, last)
    # The source document's figures, counted from the records alone.
    people = expected["people"]
    assert people[("non_police_professionals", "training")] == 210
    assert people[("night_time_economy", "training")] + people[("night_time_economy", "awareness")] > 500
    assert people[("school_students", "training")] + people[("school_students", "awareness")] == 628
    assert expected["declined"] >= 2  # independent children's homes

    found = reach(outreach, first, last)
    assert_outreach_figures(found, expected)
    # The outreach officer's agency runs no groups: no group work in its figures.
    assert (found.group_sessions, found.attendances, found.young_people) == (0, 0, 0)
    # The manager (youth justice) reads the partnership's figures, group work included.
    manager = User.objects.get(username="manager")
    partnership = reach(manager, first, last)
    assert_outreach_figures(partnership, expected)
    assert_group_figures(partnership, expected)
    whole_year = counted(first, timezone.localdate())
    assert whole_year["group_sessions"] > 0 and whole_year["young_people"] > 0
    assert_group_figures(reach(manager, first, timezone.localdate()), whole_year)

    groups = {group.name: group for group in Group.objects.all()}
    assert set(groups) == {"The 24's", "Young women's group", "GRT young people's group"}
    for group in groups.values():
        sessions = group.sessions.all()
        assert sessions.count() >= 5
        assert Attendance.objects.filter(session__group=group).count() >= sessions.count()
    registered = Attendance.objects.select_related("event").first()
    assert registered.event.child_id == registered.child_id
    assert (
        ChronologyEvent.objects.filter(summary__startswith="Attended group session").count()
        == Attendance.objects.count()
    )
