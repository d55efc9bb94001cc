"""The demo's outreach and group work: the live reach report for 1 January to 4 September of the
demo year shows the source document's figures, and the three groups have sessions and registers
that reach the young people's chronologies."""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cases.models import ChronologyEvent
from demo.outreach import demo_year
from outreach.models import Attendance, Group, GroupSession, OutreachEvent
from outreach.reports import reach

pytestmark = pytest.mark.django_db


def test_demo_reach_report_shows_the_source_documents_figures(settings):
    settings.DEMO = True
    call_command("seed_demo")
    counts = (OutreachEvent.objects.count(), GroupSession.objects.count(), Attendance.objects.count())
    call_command("seed_demo")
    assert (OutreachEvent.objects.count(), GroupSession.objects.count(), Attendance.objects.count()) == counts

    year = demo_year(timezone.localdate())
    outreach = User.objects.get(username="outreach")
    found = reach(outreach, date(year, 1, 1), date(year, 9, 4))
    assert found.by_audience("non_police_professionals").training == 210
    assert found.by_audience("night_time_economy").total > 500
    assert found.by_audience("school_students").total == 628
    assert found.establishments_declined >= 2  # independent children's homes

    groups = {group.name: group for group in Group.objects.all()}
    assert set(groups) == {"The 24's", "Young women's group", "GRT young people's group"}
    for group in groups.values():
        sessions = group.sessions.all()
        assert sessions.count() >= 5
        assert Attendance.objects.filter(session__group=group).count() >= sessions.count()
    # The manager (youth justice) reads the partnership's figures; the outreach officer's agency runs no groups.
    manager = User.objects.get(username="manager")
    partnership = reach(manager, date(year, 1, 1), date(year, 9, 4))
    assert partnership.by_audience("non_police_professionals").training == 210
    assert partnership.by_audience("school_students").total == 628
    whole_year = reach(manager, date(year, 1, 1), timezone.localdate())
    assert whole_year.group_sessions == GroupSession.objects.filter(held_on__gte=date(year, 1, 1)).count() > 0
    assert (
        whole_year.young_people
        == Attendance.objects.filter(session__held_on__gte=date(year, 1, 1)).values("child").distinct().count()
    )
    registered = Attendance.objects.select_related("event").first()
    assert registered.event.child_id == registered.child_id
    assert (
        ChronologyEvent.objects.filter(summary__startswith="Attended group session").count()
        == Attendance.objects.count()
    )
