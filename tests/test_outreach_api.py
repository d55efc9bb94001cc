"""/api/v1/outreach/: 400 with field errors and nothing saved on bad input, registers that name
only young people the caller may see, and the reach figures."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach.models import Attendance, GroupSession, OutreachEvent
from tests import outreach_data as data

pytestmark = pytest.mark.django_db


def event_body(**changes):
    return {
        "activity": "awareness",
        "audience": "night_time_economy",
        "organisation": "The Anchor",
        "area": data.area().pk,
        "held_on": timezone.localdate().isoformat(),
        "headcount": 40,
        "delivered_by": "Test Officer",
        **changes,
    }


def test_create_event_and_read_it_back(client_for, partnership):
    client = client_for("outreach")
    response = client.post(reverse("api:outreach-event-list"), event_body(), content_type="application/json")
    assert response.status_code == 201, response.json()
    event = OutreachEvent.objects.get()
    assert response["Location"] == reverse("api:outreach-event-detail", args=[event.pk])
    assert client.get(response["Location"]).json()["headcount"] == 40


def test_an_event_may_name_no_area(client_for, partnership):
    client = client_for("outreach")
    body = {key: value for key, value in event_body().items() if key != "area"}
    response = client.post(reverse("api:outreach-event-list"), body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["area"] is None and response.json()["area_name"] is None
    explicit = client.post(reverse("api:outreach-event-list"), event_body(area=None), content_type="application/json")
    assert explicit.status_code == 201 and OutreachEvent.objects.filter(area__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"headcount": 100_001}, "headcount", "The number of people must be 100,000 or fewer"),
        ({"headcount": -1}, "headcount", "The number of people must be 1 or more"),
        ({"area": 424242}, "area", "Choose an area from the list"),
        (
            {"held_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "status": "delivered"},
            "held_on",
            "An event in the future cannot be recorded as delivered",
        ),
    ],
)
def test_bad_event_input_is_a_400_with_field_errors(client_for, partnership, changes, field, message):
    response = client_for("outreach").post(
        reverse("api:outreach-event-list"), event_body(**changes), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not OutreachEvent.objects.exists()


def test_campaign_end_before_start_is_a_400(client_for, partnership):
    today = timezone.localdate()
    response = client_for("outreach").post(
        reverse("api:outreach-campaign-list"),
        {
            "area": data.area().pk,
            "streets": "BS1",
            "started_on": today.isoformat(),
            "ended_on": (today - timedelta(days=1)).isoformat(),
            "households_reached": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"ended_on": ["The end date must be the same as or after the start date"]}


def test_register_with_a_young_person_the_worker_may_not_see_is_refused(client_for, partnership):
    group = data.voluntary_group(partnership)
    client = client_for("voluntary")
    url = reverse("api:outreach-group-sessions", args=[group.pk])
    body = {
        "held_on": timezone.localdate().isoformat(),
        "activity": "Cooking",
        "duration_minutes": 120,
        "children": [partnership.voluntary_child.pk, partnership.council_child.pk],
    }
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"children": ["The register can only name young people you work with"]}
    assert not GroupSession.objects.exists()
    response = client.post(url, {**body, "children": [partnership.voluntary_child.pk]}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["register"] == [partnership.voluntary_child.pk]


def test_session_register_shows_only_visible_young_people(client_for, partnership):
    session = data.voluntary_session(partnership)
    Attendance.objects.create(session=session, child=partnership.council_child)
    answer = client_for("voluntary").get(reverse("api:outreach-session-detail", args=[session.pk])).json()
    assert answer["register"] == [partnership.voluntary_child.pk]
    assert answer["present"] == 2


def test_reach_figures(client_for, partnership):
    data.police_event(partnership, status="delivered", held_on=timezone.localdate())
    today = timezone.localdate()
    answer = client_for("outreach").get(
        reverse("api:outreach-reach-list"), {"start": today.replace(month=1, day=1), "end": today}
    )
    assert answer.status_code == 200
    figures = answer.json()
    assert figures["total_people"] == 120 and figures["awareness"] == 120
    assert {"audience": "school_students", "training": 0, "awareness": 120, "total": 120} in figures["people"]
    bad = client_for("outreach").get(reverse("api:outreach-reach-list"), {"start": today, "end": today, "area": 9999})
    assert bad.status_code == 400 and bad.json() == {"area": ["Choose an area from the list"]}


def test_session_list_queries_do_not_grow_with_rows(client_for, partnership):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group = data.voluntary_group(partnership)
    client = client_for("voluntary")
    url = reverse("api:outreach-session-list")

    def add(count):
        for _ in range(count):
            session = GroupSession.objects.create(
                group=group,
                held_on=timezone.localdate(),
                activity="Test",
                duration_minutes=60,
                recorded_by=partnership.users["voluntary"],
            )
            Attendance.objects.create(session=session, child=partnership.voluntary_child)
            Attendance.objects.create(session=session, child=partnership.council_child)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url).json()
        assert all(
            row["register"] == [partnership.voluntary_child.pk] and row["present"] == 2 for row in answer["results"]
        )
        return len(queries)

    add(2)
    few = count()
    add(5)
    assert count() == few


def test_group_detail_gives_contact_hours_for_visible_young_people_only(client_for, partnership):
    session = data.voluntary_session(partnership)  # 90 minutes, voluntary_child present
    Attendance.objects.create(session=session, child=partnership.council_child)
    answer = client_for("voluntary").get(reverse("api:outreach-group-detail", args=[session.group_id])).json()
    assert answer["contact_hours"] == [{"child": partnership.voluntary_child.pk, "sessions": 1, "contact_hours": 1.5}]
