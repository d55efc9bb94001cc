"""Tasks: a missing young person's return raises a return home interview task due 72 hours after
the return, for the child's lead agency; closing it, with a reason when not offered; the personal
task list. (The missing episode itself: tests/test_missing_episodes.py.)"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from cases.models import Involvement
from cases.services.chronology import add_event
from interventions.models import Panel, PanelAction, PanelMeeting, Task, TaskKind, TaskStatus
from interventions.services import missing as missing_services
from interventions.services import tasks as task_services
from tests.factories import InvolvementFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def record_missing(p, child=None, user="caseworker"):
    """Reported missing yesterday evening, back this morning: the episode (its task is open)."""
    now = timezone.now()
    episode = missing_services.report_missing(
        p.users[user], child or p.council_child, reported_missing_at=now - timedelta(hours=14), risk_grading="medium"
    )
    return missing_services.record_return(
        p.users[user], episode, returned_at=now - timedelta(hours=2), where_found="At a friend's flat"
    )


def test_a_return_creates_a_return_home_interview_task_due_72_hours_after_the_return(partnership):
    p = partnership
    episode = record_missing(p)
    task = Task.objects.get()
    assert task.kind == TaskKind.RETURN_HOME_INTERVIEW
    assert task.missing_episode == episode and task.child == p.council_child
    assert task.agency == p.agencies["council"]  # the recording user's agency when no lead is set
    assert task.due_at == episode.returned_at + timedelta(hours=72)
    assert task.status == TaskStatus.OPEN
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="interventions.task").exists()


def test_task_goes_to_the_lead_agency_and_lead_professional(partnership):
    p = partnership
    child = p.shared_child
    Involvement.objects.filter(child=child, agency=p.agencies["police"]).update(is_lead_agency=True)
    child.lead_professional = p.users["caseworker"]
    child.save()
    record_missing(p, child)
    task = Task.objects.get()
    assert task.agency == p.agencies["police"]
    assert task.assignee == p.users["caseworker"]


def test_lead_professionals_agency_when_no_lead_agency(partnership):
    p = partnership
    worker = UserFactory(username="yj_worker")
    MembershipFactory(user=worker, agency=p.agencies["youth_justice"], role=Role.CASEWORKER)
    p.council_child.lead_professional = worker
    p.council_child.save()
    record_missing(p)
    assert Task.objects.get().agency == p.agencies["youth_justice"]


def test_chronology_entries_raise_no_task_and_task_creation_is_idempotent(partnership):
    p = partnership
    add_event(p.users["caseworker"], p.council_child, occurred_on=timezone.localdate(), kind="other", summary="Seen")
    add_event(p.users["caseworker"], p.hotspot, occurred_on=timezone.localdate(), kind="missing_episode", summary="x")
    assert not Task.objects.exists()
    episode = record_missing(p)
    assert task_services.create_return_home_interview(episode, p.users["caseworker"]) == Task.objects.get()
    assert Task.objects.count() == 1


def test_task_list_shows_overdue_first(client_for, partnership):
    p = partnership
    now = timezone.now()
    council = p.agencies["council"]
    Task.objects.create(kind="other", title="Later task", agency=council, due_at=now + timedelta(days=2))
    Task.objects.create(kind="other", title="Late task", agency=council, due_at=now - timedelta(hours=1))
    Task.objects.create(kind="other", title="Police task", agency=p.agencies["police"], due_at=now)
    body = client_for("caseworker").get(reverse("interventions:task_list")).content.decode()
    assert body.index("Late task") < body.index("Later task")
    assert "Police task" not in body
    assert 'govuk-tag--red">Overdue' in body


def test_mark_done(client_for, partnership):
    p = partnership
    task = Task.objects.create(
        kind="review", title="Review the plan", agency=p.agencies["council"], due_at=timezone.now()
    )
    client = client_for("caseworker")
    page = client.get(reverse("interventions:task_detail", args=[task.pk]))
    assert page.status_code == 200 and "Mark done" in page.content.decode()
    response = client.post(reverse("interventions:task_close", args=[task.pk]), {"outcome": "done"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.closed_by == p.users["caseworker"]


def test_a_return_home_interview_task_is_done_by_recording_the_interview(client_for, partnership):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    client = client_for("caseworker")
    page = client.get(reverse("interventions:task_detail", args=[task.pk])).content.decode()
    assert "Mark done" not in page and "where you record the return home interview" in page
    response = client.post(reverse("interventions:task_close", args=[task.pk]), {"outcome": "done"})
    assert response.status_code == 400
    with pytest.raises(ValidationError, match="Record the return home interview on the missing episode"):
        task_services.close_task(p.users["caseworker"], task, outcome="done")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_decision_not_to_offer_needs_a_reason(client_for, partnership):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    client = client_for("caseworker")
    url = reverse("interventions:task_close", args=[task.pk])
    response = client.post(url, {"outcome": "not_offered", "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for deciding not to offer" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"outcome": "not_offered", "reason": "Young person is in hospital"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_OFFERED and task.closed_reason == "Young person is in hospital"


def test_task_of_another_agency_is_404(client_for, partnership):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    for persona in ("police", "voluntary", "manager"):
        client = client_for(persona)
        assert client.get(reverse("interventions:task_detail", args=[task.pk])).status_code == 404
        assert client.post(reverse("interventions:task_close", args=[task.pk]), {"outcome": "done"}).status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_task_pages_audit_reads(client_for, partnership):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    client_for("caseworker").get(reverse("interventions:task_detail", args=[task.pk]))
    event = AuditEvent.objects.get(action=AuditAction.READ, object_type="interventions.task")
    assert event.subjects.filter(object_type="cases.child", object_id=str(p.council_child.pk)).exists()
    client_for("caseworker").get(reverse("interventions:task_list"))
    assert AuditEvent.objects.filter(action=AuditAction.LIST, detail__view="my tasks").exists()


def test_task_list_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    p = partnership
    client = client_for("caseworker")
    url = reverse("interventions:task_list")
    panel = Panel.objects.create(name="Panel", chair_agency=p.agencies["council"])
    meeting = PanelMeeting.objects.create(panel=panel, held_on=timezone.localdate(), chair=p.users["caseworker"])

    def add_rows(count):
        for _ in range(count):
            child = InvolvementFactory(agency=p.agencies["council"]).child
            Task.objects.create(
                kind="other", title="T", child=child, agency=p.agencies["council"], due_at=timezone.now()
            )
            PanelAction.objects.create(
                meeting=meeting,
                description="A",
                owner=p.users["caseworker"],
                owner_agency=p.agencies["council"],
                due_on=timezone.localdate(),
            )

    add_rows(1)
    client.get(url)
    with django_assert_num_queries(TASK_LIST_QUERIES):
        client.get(url)
    add_rows(5)
    with django_assert_num_queries(TASK_LIST_QUERIES):
        assert len(client.get(url).context["tasks"]) == 6


TASK_LIST_QUERIES = 9


def test_task_page_queries(client_for, partnership, django_assert_num_queries):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    client = client_for("caseworker")
    url = reverse("interventions:task_detail", args=[task.pk])
    client.get(url)
    with django_assert_num_queries(TASK_PAGE_QUERIES):
        client.get(url)


TASK_PAGE_QUERIES = 6


def test_api_tasks_list_and_close(client_for, partnership):
    p = partnership
    record_missing(p)
    task = Task.objects.get()
    client = client_for("caseworker")
    rows = client.get("/api/v1/tasks/").json()["results"]
    assert [row["id"] for row in rows] == [task.pk] and rows[0]["child"] == p.council_child.pk
    url = f"/api/v1/tasks/{task.pk}/close/"
    response = client.post(url, {"outcome": "not_offered"}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    assert client_for("police").post(url, {"outcome": "done"}, content_type="application/json").status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    response = client_for("caseworker").post(
        url, {"outcome": "not_offered", "reason": "Declined by carer"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "not_offered"
