"""Missing episodes as records of their own: reported missing and found (date and time), where
found, police reference, risk grading; one return home interview task per episode, due 72 hours
after the return; the interview recorded once; the chronology; the figure for interviews completed
within 72 hours; pages, API and access."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import ChronologyEvent, EventKind
from interventions.models import MissingEpisode, ReturnHomeInterview, Task, TaskStatus
from interventions.services import missing as services
from tests.factories import InvolvementFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def report(p, *, hours_ago=20, user="caseworker", child=None, **fields):
    return services.report_missing(
        p.users[user],
        child or p.council_child,
        reported_missing_at=timezone.now() - hours_ago * HOUR,
        risk_grading=fields.pop("risk_grading", "medium"),
        **fields,
    )


def returned(p, episode, *, hours_ago=10, where="Found at the bus station"):
    return services.record_return(
        p.users["caseworker"], episode, returned_at=timezone.now() - hours_ago * HOUR, where_found=where
    )


def interview(p, episode, **fields):
    values = {
        "outcome": "accepted",
        "offered_at": episode.returned_at + HOUR,
        "conducted_by": "Sam Jones, Safer Futures",
        "held_at": episode.returned_at + 2 * HOUR,
        "young_person_said": "Stayed with older friends",
        "push_factors": "Arguments at home",
        "pull_factors": "Older peers with money",
        "follow_up_actions": "Refer to the exploitation panel",
        **fields,
    }
    return services.record_interview(p.users["caseworker"], episode, **values)


# Recording the episode and the return -------------------------------------------------------------


def test_reporting_missing_records_the_episode_and_a_chronology_entry(partnership):
    p = partnership
    episode = report(p, police_reference="MP/123/26", risk_grading="high", circumstances="Left after school")
    assert episode.risk_grading == "high" and episode.police_reference == "MP/123/26"
    assert episode.returned_at is None
    event = episode.missing_event
    assert event.kind == EventKind.MISSING_EPISODE and event.child == p.council_child
    assert "risk: high" in event.summary and "MP/123/26" in event.detail
    assert not Task.objects.exists()  # the interview is due from the return, not from the report
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="interventions.missingepisode").exists()


def test_the_return_raises_one_task_due_72_hours_after_the_return_not_after_typing(partnership):
    p = partnership
    episode = returned(p, report(p, hours_ago=40), hours_ago=30)  # came back 30 hours ago, typed now
    task = Task.objects.get()
    assert task.missing_episode == episode
    assert task.due_at == episode.returned_at + timedelta(hours=72)
    assert task.due_at < timezone.now() + timedelta(hours=43)
    assert episode.where_found == "Found at the bus station"
    assert episode.return_event.kind == EventKind.FOUND


def test_a_second_open_interview_task_is_never_created(partnership):
    p = partnership
    episode = returned(p, report(p))
    with pytest.raises(ValidationError) as error:
        returned(p, episode, hours_ago=5)
    assert error.value.message_dict == {"returned_at": ["The return has already been recorded for this episode"]}
    services.task_services.create_return_home_interview(episode, p.users["caseworker"])
    assert Task.objects.filter(status=TaskStatus.OPEN).count() == 1


def test_a_young_person_already_missing_cannot_be_reported_missing_again(partnership):
    p = partnership
    report(p)
    with pytest.raises(ValidationError) as error:
        report(p, hours_ago=2)
    assert "already recorded as missing" in str(error.value)
    assert MissingEpisode.objects.count() == 1


@pytest.mark.parametrize(
    ("hours_ago", "message"),
    [
        (25, "The date and time they returned must be after they were reported missing"),
        (-2, "The date and time they were found or returned must be in the past"),
    ],
)
def test_a_return_before_going_missing_or_in_the_future_is_refused(partnership, hours_ago, message):
    p = partnership
    episode = report(p, hours_ago=20)
    with pytest.raises(ValidationError) as error:
        returned(p, episode, hours_ago=hours_ago)
    assert error.value.message_dict == {"returned_at": [message]}
    episode.refresh_from_db()
    assert episode.returned_at is None and not Task.objects.exists()
    assert not ChronologyEvent.objects.filter(kind=EventKind.FOUND).exists()


def test_reported_missing_in_the_future_is_refused(partnership):
    with pytest.raises(ValidationError) as error:
        report(partnership, hours_ago=-1)
    assert error.value.message_dict == {
        "reported_missing_at": ["The date and time they were reported missing must be in the past"]
    }
    assert not MissingEpisode.objects.exists() and not ChronologyEvent.objects.exists()


def test_someone_who_cannot_see_the_child_cannot_record(partnership):
    with pytest.raises(Exception, match="cannot record missing episodes"):
        report(partnership, user="police")
    assert not MissingEpisode.objects.exists()


# The return home interview ------------------------------------------------------------------------


def test_the_interview_is_recorded_closes_the_task_and_shows_in_the_chronology(partnership):
    p = partnership
    episode = returned(p, report(p))
    record = interview(p, episode)
    assert record.completed_within_72_hours
    assert record.push_factors == "Arguments at home" and record.pull_factors == "Older peers with money"
    task = Task.objects.get()
    assert task.status == TaskStatus.DONE and task.closed_by == p.users["caseworker"]
    assert record.event.kind == EventKind.CONTACT and "Return home interview took place" in record.event.summary
    assert "Refer to the exploitation panel" in record.event.detail


def test_an_interview_is_recorded_once_per_episode(partnership):
    p = partnership
    episode = returned(p, report(p))
    interview(p, episode)
    with pytest.raises(ValidationError) as error:
        interview(p, episode, outcome="declined")
    assert error.value.message_dict == {
        "outcome": ["A return home interview has already been recorded for this episode"]
    }
    assert ReturnHomeInterview.objects.count() == 1


def test_a_declined_interview_needs_no_time_held(partnership):
    p = partnership
    episode = returned(p, report(p))
    record = interview(p, episode, outcome="declined", held_at=None, young_person_said="")
    assert record.held_at is None and not record.completed_within_72_hours
    assert Task.objects.get().status == TaskStatus.DONE


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"held_at": None}, {"held_at": ["Enter the date and time the interview took place"]}),
        ({"young_person_said": " "}, {"young_person_said": ["Enter what the young person said"]}),
        ({"outcome": "maybe"}, {"outcome": ["Choose whether the young person accepted or declined the interview"]}),
        ({"conducted_by": ""}, {"conducted_by": ["Enter who offered the interview (name and organisation)"]}),
    ],
)
def test_interview_input_is_checked_in_plain_english(partnership, fields, errors):
    p = partnership
    episode = returned(p, report(p))
    with pytest.raises(ValidationError) as error:
        interview(p, episode, **fields)
    assert error.value.message_dict == errors
    assert not ReturnHomeInterview.objects.exists()
    assert Task.objects.get().status == TaskStatus.OPEN


def test_the_interview_is_offered_after_the_return_and_needs_one(partnership):
    p = partnership
    still_missing = report(p)
    with pytest.raises(ValidationError, match="Record the young person's return"):
        services.record_interview(
            p.users["caseworker"], still_missing, outcome="declined", offered_at=timezone.now(), conducted_by="Sam"
        )
    episode = returned(p, still_missing)
    with pytest.raises(ValidationError) as error:
        interview(p, episode, offered_at=episode.returned_at - HOUR)
    assert error.value.message_dict == {"offered_at": ["The interview must be offered after the young person returned"]}


# The figure -----------------------------------------------------------------------------------------


def test_the_figure_counts_interviews_completed_within_72_hours_of_the_return(partnership):
    p = partnership
    children = [InvolvementFactory(agency=p.agencies["council"]).child for _ in range(4)]
    in_time = returned(p, report(p, child=children[0], hours_ago=200), hours_ago=190)
    interview(p, in_time)
    late = returned(p, report(p, child=children[1], hours_ago=200), hours_ago=190)
    interview(p, late, offered_at=late.returned_at + 70 * HOUR, held_at=late.returned_at + 80 * HOUR)
    declined = returned(p, report(p, child=children[2], hours_ago=200), hours_ago=190)
    interview(p, declined, outcome="declined", held_at=None)
    returned(p, report(p, child=children[3], hours_ago=20), hours_ago=10)  # still within its 72 hours: not counted
    report(p)  # still missing: not counted
    figure = services.interview_figure(MissingEpisode.objects.visible_to(p.users["caseworker"]))
    assert (figure.returns, figure.completed_in_time, figure.declined) == (3, 1, 1)
    assert figure.percentage == 33
    assert services.interview_figure(MissingEpisode.objects.visible_to(p.users["voluntary"])).returns == 0


# Pages ------------------------------------------------------------------------------------------------


def datetime_fields(name, moment):
    local = timezone.localtime(moment)
    return {
        f"{name}_day": local.day,
        f"{name}_month": local.month,
        f"{name}_year": local.year,
        f"{name}_time": f"{local:%H:%M}",
    }


def test_the_pages_record_an_episode_its_return_and_the_interview(client_for, partnership):
    p = partnership
    client = client_for("caseworker")
    child = p.council_child
    page = client.get(reverse("interventions:missing_episode_create", args=[child.pk])).content.decode()
    assert "govuk-date-input" in page and 'type="date"' not in page
    now = timezone.now().replace(second=0, microsecond=0)
    response = client.post(
        reverse("interventions:missing_episode_create", args=[child.pk]),
        {
            **datetime_fields("reported_missing_at", now - 30 * HOUR),
            "risk_grading": "medium",
            "police_reference": "MP/9",
        },
    )
    episode = MissingEpisode.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "interventions:missing_episode_detail", args=[episode.pk]
    )
    assert episode.reported_missing_at == now - 30 * HOUR
    url = reverse("interventions:missing_episode_return", args=[episode.pk])
    response = client.post(url, {**datetime_fields("returned_at", now - 40 * HOUR), "where_found": "Home"})
    assert response.status_code == 200
    assert "The date and time they returned must be after they were reported missing" in response.content.decode()
    response = client.post(url, {**datetime_fields("returned_at", now - 20 * HOUR), "where_found": "Home"})
    assert response.status_code == 302
    detail = client.get(reverse("interventions:missing_episode_detail", args=[episode.pk])).content.decode()
    due = timezone.localtime(now - 20 * HOUR + timedelta(hours=72))
    assert f"{due:%-d %B %Y, %H:%M}" in detail
    url = reverse("interventions:missing_episode_interview", args=[episode.pk])
    data = {
        **datetime_fields("offered_at", now - 19 * HOUR),
        **datetime_fields("held_at", now - 18 * HOUR),
        "conducted_by": "Sam Jones",
        "outcome": "accepted",
        "young_person_said": "I was with friends",
    }
    assert client.post(url, data).status_code == 302
    assert ReturnHomeInterview.objects.get().completed_within_72_hours
    # Recording it a second time is refused: the page sends them back to the episode.
    response = client.post(url, data, follow=True)
    assert "already been recorded" in response.content.decode()
    assert ReturnHomeInterview.objects.count() == 1
    child_page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "Missing episodes" in child_page and "Return home interview took place" in child_page


def test_form_errors_are_plain_english(client_for, partnership):
    p = partnership
    client = client_for("caseworker")
    url = reverse("interventions:missing_episode_create", args=[p.council_child.pk])
    body = client.post(url, {"reported_missing_at_day": "31", "reported_missing_at_month": "2"}).content.decode()
    assert "Enter a day, month, year and time" in body and "Choose the risk grading" in body
    body = client.post(
        url,
        {
            "reported_missing_at_day": "1",
            "reported_missing_at_month": "2",
            "reported_missing_at_year": "2026",
            "reported_missing_at_time": "25:00",
            "risk_grading": "low",
        },
    ).content.decode()
    assert "Enter a real time on the 24-hour clock, for example 21:30" in body
    assert not MissingEpisode.objects.exists()


def test_the_list_shows_the_figure_newest_first(client_for, partnership, django_assert_max_num_queries):
    p = partnership
    older_child = InvolvementFactory(agency=p.agencies["council"]).child
    interview(p, returned(p, report(p, child=older_child, hours_ago=300), hours_ago=290))
    report(p, hours_ago=5)
    client = client_for("caseworker")
    url = reverse("interventions:missing_episode_list")
    client.get(url)
    with django_assert_max_num_queries(LIST_QUERIES):
        body = client.get(url).content.decode()
    assert "Return home interviews completed within 72 hours: 100%" in body
    assert body.index(p.council_child.family_name) < body.index(older_child.family_name)
    for _ in range(3):
        report(p, child=InvolvementFactory(agency=p.agencies["council"]).child)
    with django_assert_max_num_queries(LIST_QUERIES):
        client.get(url)


LIST_QUERIES = 8


def test_the_episode_page_has_a_constant_number_of_queries(client_for, partnership, django_assert_max_num_queries):
    p = partnership
    episode = returned(p, report(p))
    interview(p, episode)
    client = client_for("caseworker")
    url = reverse("interventions:missing_episode_detail", args=[episode.pk])
    client.get(url)
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_type="interventions.missingepisode").exists()


def test_other_agencies_get_404_and_learn_nothing(client_for, partnership):
    p = partnership
    episode = report(p)
    for persona in ("police", "voluntary", "mentor"):
        client = client_for(persona)
        for name in ("missing_episode_detail", "missing_episode_return", "missing_episode_interview"):
            response = client.get(reverse(f"interventions:{name}", args=[episode.pk]))
            assert response.status_code == 404
            assert p.council_child.reference not in response.content.decode()
        assert (
            p.council_child.family_name
            not in client.get(reverse("interventions:missing_episode_list")).content.decode()
        )


# API --------------------------------------------------------------------------------------------------


def test_api_reports_returns_and_records_the_interview(client_for, partnership):
    p = partnership
    client = client_for("caseworker")
    now = timezone.now()
    response = client.post(
        "/api/v1/missing-episodes/",
        {"child": p.council_child.pk, "reported_missing_at": (now - 10 * HOUR).isoformat(), "risk_grading": "low"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    bad = client.post(
        f"/api/v1/missing-episodes/{pk}/return/",
        {"returned_at": (now - 11 * HOUR).isoformat(), "where_found": "Home"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {"returned_at": ["The date and time they returned must be after they were reported missing"]}
    ok = client.post(
        f"/api/v1/missing-episodes/{pk}/return/",
        {"returned_at": (now - 5 * HOUR).isoformat(), "where_found": "Home"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["interview_due_at"]
    body = {"offered_at": (now - 4 * HOUR).isoformat(), "conducted_by": "Sam", "outcome": "declined"}
    assert (
        client.post(f"/api/v1/missing-episodes/{pk}/interview/", body, content_type="application/json").status_code
        == 200
    )
    again = client.post(f"/api/v1/missing-episodes/{pk}/interview/", body, content_type="application/json")
    assert again.status_code == 400 and "already been recorded" in again.json()["outcome"][0]


def test_api_refuses_a_child_the_caller_cannot_see_without_naming_them(client_for, partnership):
    p = partnership
    response = client_for("police").post(
        "/api/v1/missing-episodes/",
        {"child": p.council_child.pk, "reported_missing_at": timezone.now().isoformat(), "risk_grading": "low"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"child": ["Choose a young person you can see"]}
    assert not MissingEpisode.objects.exists()
