"""Outreach and group work pages: forms that save through the services (with their errors shown),
the "not yet engaged" list per area, registers that name only visible young people, the outreach
officer's 404 outside outreach, and list pages whose queries do not grow with their rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from areas.models import Neighbourhood
from cases.models import ContextLink
from outreach.models import (
    Attendance,
    EngagementRecord,
    Establishment,
    GroupSession,
    OutreachEvent,
)
from tests import outreach_data as data
from tests.factories import InvolvementFactory

pytestmark = pytest.mark.django_db


def date_parts(name, when):
    return {f"{name}_day": when.day, f"{name}_month": when.month, f"{name}_year": when.year}


def event_post(area, **changes):
    return {
        "activity": "training",
        "audience": "non_police_professionals",
        "organisation": "Riverton GP practice",
        "area": area.pk,
        **date_parts("held_on", timezone.localdate()),
        "status": "delivered",
        "headcount": "30",
        "delivered_by": "Test Officer",
        **changes,
    }


def test_outreach_officer_records_an_event_through_the_form(client_for, partnership):
    client = client_for("outreach")
    area = data.area()
    response = client.post(reverse("outreach:event_create"), event_post(area))
    event = OutreachEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("outreach:event_detail", args=[event.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Riverton GP practice" in page and "Non-police professionals" in page


def test_an_event_with_no_particular_area_through_the_form_and_on_the_pages(client_for, partnership):
    client = client_for("outreach")
    form = client.get(reverse("outreach:event_create")).content.decode()
    assert "Area (optional)" in form and "No particular area" in form
    response = client.post(reverse("outreach:event_create"), {**event_post(data.area()), "area": ""})
    event = OutreachEvent.objects.get()
    assert response.status_code == 302 and event.area is None
    assert "No particular area" in client.get(response["Location"]).content.decode()
    assert "No particular area" in client.get(reverse("outreach:event_list")).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"headcount": "-5"}, "The number of people must be 1 or more"),
        ({"headcount": "100001"}, "The number of people must be 100,000 or fewer"),
        ({"area": "999999"}, "Choose an area from the list"),
    ],
)
def test_event_form_shows_plain_errors_and_saves_nothing(client_for, partnership, changes, message):
    response = client_for("outreach").post(reverse("outreach:event_create"), {**event_post(data.area()), **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OutreachEvent.objects.exists()


def test_a_future_delivered_event_is_refused_by_the_service_on_the_form(client_for, partnership):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for("outreach").post(
        reverse("outreach:event_create"), event_post(data.area(), **date_parts("held_on", tomorrow))
    )
    assert "An event in the future cannot be recorded as delivered" in response.content.decode()
    assert not OutreachEvent.objects.exists()


def test_intelligence_field_is_for_police_officers_only(client_for, partnership):
    page = client_for("outreach").get(reverse("outreach:event_create")).content.decode()
    assert "Police intelligence record" not in page


def test_not_yet_engaged_list_per_area(client_for, partnership):
    outreach = partnership.users["outreach"]
    north, south = data.area("North"), data.area("South")
    police = partnership.agencies["police"]
    names = {}
    for name, area, outcome in (
        ("Engaged hotel", north, "engaged"),
        ("Declined home", north, "declined"),
        ("Quiet bar", north, None),
        ("Southern school", south, None),
        ("Online forum", None, None),
    ):
        place = Establishment.objects.create(agency=police, name=name, kind="other", area=area, recorded_by=outreach)
        if outcome:
            EngagementRecord.objects.create(
                establishment=place, outcome=outcome, occurred_on=timezone.localdate(), recorded_by=outreach
            )
        names[name] = place
    page = client_for("outreach").get(reverse("outreach:establishment_list"), {"area": north.pk, "not_engaged": "1"})
    text = page.content.decode()
    assert "Declined home" in text and "Quiet bar" in text
    assert "Engaged hotel" not in text and "Southern school" not in text
    assert "Not yet engaged in North" in text
    home = client_for("outreach").get(reverse("outreach:home")).content.decode()
    assert "North: 2 establishments" in home and "South: 1 establishment<" in home
    assert "No particular area: 1 establishment<" in home


def test_engagement_form_records_a_declined_childrens_home(client_for, partnership):
    place = data.police_establishment(partnership)
    client = client_for("outreach")
    response = client.post(
        reverse("outreach:engagement_create", args=[place.pk]),
        {"outcome": "declined", **date_parts("occurred_on", timezone.localdate()), "note": "Provider said no"},
    )
    assert response.status_code == 302
    detail = client.get(reverse("outreach:establishment_detail", args=[place.pk])).content.decode()
    assert "Declined" in detail and "Provider said no" in detail


def test_door_to_door_end_before_start_on_the_form(client_for, partnership):
    today = timezone.localdate()
    response = client_for("outreach").post(
        reverse("outreach:campaign_create"),
        {
            "area": data.area().pk,
            "streets": "BS5 0",
            **date_parts("started_on", today),
            **date_parts("ended_on", today - timedelta(days=2)),
            "households_reached": "10",
        },
    )
    assert "The end date must be the same as or after the start date" in response.content.decode()


def test_session_register_lists_only_visible_members_and_refuses_others(client_for, partnership):
    group = data.voluntary_group(partnership)  # the hotspot: council_child and voluntary_child are linked
    client = client_for("voluntary")
    form = client.get(reverse("outreach:session_create", args=[group.pk])).content.decode()
    assert partnership.voluntary_child.family_name in form
    assert partnership.council_child.family_name not in form
    response = client.post(
        reverse("outreach:session_create", args=[group.pk]),
        {
            **date_parts("held_on", timezone.localdate()),
            "activity": "Football",
            "duration_minutes": "60",
            "children": [partnership.voluntary_child.pk, partnership.council_child.pk],
        },
    )
    assert response.status_code == 200 and "Choose young people from the list" in response.content.decode()
    assert not GroupSession.objects.exists()
    response = client.post(
        reverse("outreach:session_create", args=[group.pk]),
        {
            **date_parts("held_on", timezone.localdate()),
            "activity": "Football",
            "duration_minutes": "60",
            "children": [partnership.voluntary_child.pk],
        },
    )
    session = GroupSession.objects.get()
    assert response["Location"] == reverse("outreach:session_detail", args=[session.pk])
    assert Attendance.objects.get().child == partnership.voluntary_child


def test_session_page_names_only_young_people_the_viewer_may_see(client_for, partnership):
    session = data.voluntary_session(partnership)
    # A second young person on the register whom the voluntary agency has since stopped seeing.
    hidden = ContextLink.objects.filter(context=partnership.hotspot, child=partnership.council_child).get().child
    Attendance.objects.create(session=session, child=hidden)
    page = client_for("voluntary").get(reverse("outreach:session_detail", args=[session.pk])).content.decode()
    assert partnership.voluntary_child.family_name in page
    assert hidden.family_name not in page
    assert "1 other young person on the register is not on your caseload" in page


def test_outreach_officer_sees_no_childs_record_anywhere(client_for, partnership):
    client = client_for("outreach")
    for child in (partnership.council_child, partnership.shared_child, partnership.voluntary_child):
        assert client.get(reverse("cases:child_detail", args=[child.pk])).status_code == 404
    assert client.get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).status_code == 404
    assert client.get(reverse("outreach:group_list")).status_code == 404
    assert client.get(reverse("outreach:home")).status_code == 200
    nav = client.get(reverse("outreach:home")).content.decode()
    assert 'href="/outreach/"' in nav and "Find a child" not in nav


# Queries do not grow with rows ------------------------------------------------------------------


def make_rows(partnership, count, start=0):
    outreach, police = partnership.users["outreach"], partnership.agencies["police"]
    area = data.area()
    group = data.voluntary_group(partnership)
    for number in range(start, start + count):
        day = timezone.localdate() - timedelta(days=number)
        OutreachEvent.objects.create(
            agency=police,
            activity="training",
            audience="hotel_staff",
            organisation=f"Hotel {number}",
            area=area,
            held_on=day,
            headcount=5,
            delivered_by="Test",
            status="delivered",
            recorded_by=outreach,
        )
        place = Establishment.objects.create(
            agency=police,
            name=f"Place {number}",
            kind="hotel",
            area=Neighbourhood.objects.get(pk=area.pk),
            recorded_by=outreach,
        )
        EngagementRecord.objects.create(establishment=place, outcome="contacted", occurred_on=day, recorded_by=outreach)
        session = GroupSession.objects.create(
            group=group, held_on=day, activity="Test", duration_minutes=30, recorded_by=partnership.users["voluntary"]
        )
        Attendance.objects.create(session=session, child=partnership.voluntary_child)
        extra = InvolvementFactory(agency=partnership.agencies["voluntary"]).child
        Attendance.objects.create(session=session, child=extra)
    data.police_campaign(partnership)


PAGES = {
    "outreach:home": ("outreach", None),
    "outreach:event_list": ("outreach", None),
    "outreach:establishment_list": ("outreach", None),
    "outreach:campaign_list": ("outreach", None),
    "outreach:reach_report": ("outreach", None),
    "outreach:group_list": ("voluntary", None),
    "outreach:group_detail": ("voluntary", data.voluntary_group),
    "outreach:session_detail": ("voluntary", data.voluntary_session),
    "outreach:event_detail": ("outreach", data.police_event),
    "outreach:establishment_detail": ("outreach", data.police_establishment),
}
QUERY_BUDGET = 25


@pytest.mark.parametrize("route", sorted(PAGES))
def test_list_pages_do_not_grow_with_their_rows(client_for, partnership, route):
    persona, record = PAGES[route]
    client = client_for(persona)

    def count() -> int:
        url = reverse(route, args=[record(partnership).pk] if record else None)
        client.get(url)  # warm the session and the principal
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_rows(partnership, 2)
    few = count()
    make_rows(partnership, 6, start=2)
    assert count() == few <= QUERY_BUDGET


def test_event_list_filters_by_area_and_status(client_for, partnership):
    north, south = data.area("North"), data.area("South")
    data.police_event(partnership, area=north)  # planned, "Test Academy"
    OutreachEvent.objects.create(
        agency=partnership.agencies["police"],
        activity="training",
        audience="taxi_drivers",
        organisation="Southern taxis",
        area=south,
        held_on=timezone.localdate(),
        headcount=12,
        delivered_by="Test",
        status="delivered",
        recorded_by=partnership.users["outreach"],
    )
    client = client_for("outreach")
    south_only = client.get(reverse("outreach:event_list"), {"area": south.pk}).content.decode()
    assert "Southern taxis" in south_only and "Test Academy" not in south_only
    planned = client.get(reverse("outreach:event_list"), {"status": "planned"}).content.decode()
    assert "Test Academy" in planned and "Southern taxis" not in planned


def test_the_outreach_officer_lands_on_the_outreach_page(client_for):
    """They hold no caseload: "Home" takes them to their own work, not to an empty case list."""
    response = client_for("outreach").get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("outreach:home")
    assert client_for("caseworker").get(reverse("home")).status_code == 200
