"""Multi-agency panels: meetings, agenda, actions, overdue actions and the 'children discussed' count."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from interventions import queries_panels
from interventions.models import ActionStatus, AgendaItem, Panel, PanelAction, PanelMeeting
from interventions.services import panels as services
from tests.factories import ChildFactory, InvolvementFactory

pytestmark = pytest.mark.django_db


def make_meeting(p, *, held_on=None, present=("council", "youth_justice"), chair="manager"):
    panel, _ = Panel.objects.get_or_create(
        name="Test exploitation panel", defaults={"chair_agency": p.agencies["youth_justice"]}
    )
    meeting = PanelMeeting.objects.create(
        panel=panel, held_on=held_on or timezone.localdate(), chair=p.users[chair], notes="Test notes"
    )
    meeting.agencies_present.set([p.agencies[key] for key in present])
    return meeting


def date_parts(prefix, value: date) -> dict:
    return {f"{prefix}_day": value.day, f"{prefix}_month": value.month, f"{prefix}_year": value.year}


# Meetings ------------------------------------------------------------------------------------------


def test_manager_records_a_meeting(client_for, partnership):
    p = partnership
    panel = Panel.objects.create(name="Weekly panel", chair_agency=p.agencies["youth_justice"])
    client = client_for("manager")
    today = timezone.localdate()
    response = client.post(
        reverse("interventions:meeting_create", args=[panel.pk]),
        {**date_parts("held_on", today), "agencies_present": [p.agencies["council"].pk], "notes": "Quorate"},
    )
    meeting = PanelMeeting.objects.get()
    assert response.status_code == 302
    assert meeting.chair == p.users["manager"]
    assert list(meeting.agencies_present.all()) == [p.agencies["council"]]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="interventions.panelmeeting").exists()


def test_meeting_in_the_future_is_refused(client_for, partnership):
    panel = Panel.objects.create(name="Weekly panel", chair_agency=partnership.agencies["youth_justice"])
    response = client_for("manager").post(
        reverse("interventions:meeting_create", args=[panel.pk]),
        date_parts("held_on", timezone.localdate() + timedelta(days=3)),
    )
    assert response.status_code == 200
    assert "The meeting date must be today or in the past" in response.content.decode()
    assert not PanelMeeting.objects.exists()


def test_meeting_page_hides_agenda_items_the_viewer_cannot_see(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    AgendaItem.objects.create(meeting=meeting, child=p.council_child, discussion="Council child discussion")
    AgendaItem.objects.create(meeting=meeting, child=p.voluntary_child, discussion="Voluntary child discussion")
    AgendaItem.objects.create(meeting=meeting, context=p.police_location, discussion="Hotel discussion")
    response = client_for("caseworker").get(reverse("interventions:meeting_detail", args=[meeting.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert p.council_child.reference in body and "Council child discussion" in body
    assert p.voluntary_child.reference not in body and "Voluntary child discussion" not in body
    assert "Hotel discussion" not in body and p.police_location.name not in body
    event = AuditEvent.objects.filter(action=AuditAction.READ, object_type="interventions.panelmeeting").get()
    shown = set(event.subjects.filter(object_type="cases.child").values_list("object_id", flat=True))
    assert shown == {str(p.council_child.pk)}


def test_meeting_idor_is_404_and_audited(client_for, partnership):
    meeting = make_meeting(partnership)
    response = client_for("voluntary").get(reverse("interventions:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(meeting.pk)).exists()


# Agenda ------------------------------------------------------------------------------------------


def test_add_child_to_agenda_by_reference(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    response = client_for("caseworker").post(
        reverse("interventions:agenda_create", args=[meeting.pk]),
        {"child_reference": p.council_child.reference.lower(), "discussion": "Missing twice", "decision": "Refer"},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert item.child == p.council_child and item.decision == "Refer"


def test_adding_a_child_the_user_cannot_see_is_refused(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    response = client_for("caseworker").post(
        reverse("interventions:agenda_create", args=[meeting.pk]),
        {"child_reference": p.unlinked_child.reference, "discussion": "Should not save"},
    )
    assert response.status_code == 200
    assert "Enter the reference of a young person you can see" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_service_refuses_hidden_child(partnership):
    from django.core.exceptions import ValidationError

    meeting = make_meeting(partnership)
    with pytest.raises(ValidationError) as refused:
        services.add_agenda_item(partnership.users["caseworker"], meeting, child=partnership.voluntary_child)
    assert list(refused.value.message_dict) == ["child"]
    assert not AgendaItem.objects.exists()


def test_add_context_to_agenda(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    response = client_for("caseworker").post(
        reverse("interventions:agenda_create", args=[meeting.pk]), {"context": p.hotspot.pk, "discussion": "Lights"}
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get().context == p.hotspot


# Actions ----------------------------------------------------------------------------------------


def action_post(p, **overrides):
    data = {
        "description": "Visit the family",
        "owner": p.users["caseworker"].pk,
        "owner_agency": p.agencies["council"].pk,
        **date_parts("due_on", timezone.localdate() + timedelta(days=7)),
    }
    data.update(overrides)
    return data


def test_assign_an_action(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    response = client_for("manager").post(reverse("interventions:action_create", args=[meeting.pk]), action_post(p))
    assert response.status_code == 302
    action = PanelAction.objects.get()
    assert action.owner == p.users["caseworker"] and action.status == ActionStatus.OPEN


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"owner": ""}, "Choose who owns the action"),
        ({"owner": "police"}, "Choose who owns the action"),
        ({"due_on_day": "", "due_on_month": "", "due_on_year": ""}, "Enter a due date"),
        ("past", "The due date must be today or in the future"),
        ({"owner_agency": "voluntary"}, "Choose an agency present at the meeting"),
        ({"owner_agency": "youth_justice"}, "The owner must work for the agency that owns the action"),
        ({"description": ""}, "Describe the action"),
    ],
)
def test_bad_actions_are_refused(client_for, partnership, overrides, message):
    p = partnership
    meeting = make_meeting(p)
    if overrides == "past":
        overrides = date_parts("due_on", timezone.localdate() - timedelta(days=1))
    overrides = {
        key: (p.users[value].pk if key == "owner" and value in p.users else value) for key, value in overrides.items()
    }
    overrides = {
        key: (p.agencies[value].pk if key == "owner_agency" and value in p.agencies else value)
        for key, value in overrides.items()
    }
    response = client_for("manager").post(
        reverse("interventions:action_create", args=[meeting.pk]), action_post(p, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PanelAction.objects.exists()


def test_action_status_by_owner_and_manager_only(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    action = PanelAction.objects.create(
        meeting=meeting,
        description="Check school attendance",
        owner=p.users["caseworker"],
        owner_agency=p.agencies["council"],
        due_on=timezone.localdate(),
    )
    url = reverse("interventions:action_status", args=[action.pk])
    # The manager sees the meeting (chair) but manages youth justice, not the council.
    assert client_for("manager").post(url, {"status": "done"}).status_code == 403
    assert client_for("police").post(url, {"status": "done"}).status_code == 404
    assert client_for("caseworker").post(url, {"status": "nonsense"}).status_code == 400
    assert client_for("caseworker").post(url, {"status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.completed_on == timezone.localdate()


def test_overdue_actions_surface_to_owner_and_manager(client_for, partnership):
    p = partnership
    meeting = make_meeting(p, held_on=timezone.localdate() - timedelta(days=20))
    today = timezone.localdate()
    late = PanelAction.objects.create(
        meeting=meeting,
        description="Late youth justice action",
        owner=p.users["manager"],
        owner_agency=p.agencies["youth_justice"],
        due_on=today - timedelta(days=2),
    )
    PanelAction.objects.create(
        meeting=meeting,
        description="On time action",
        owner=p.users["manager"],
        owner_agency=p.agencies["youth_justice"],
        due_on=today + timedelta(days=2),
    )
    PanelAction.objects.create(
        meeting=meeting,
        description="Late council action",
        owner=p.users["caseworker"],
        owner_agency=p.agencies["council"],
        due_on=today - timedelta(days=1),
    )
    # Fixed dates: on the due date it is not overdue yet; the day after it is.
    assert not PanelAction.objects.overdue(on=late.due_on).filter(pk=late.pk).exists()
    assert PanelAction.objects.overdue(on=late.due_on + timedelta(days=1)).filter(pk=late.pk).exists()
    overdue = list(queries_panels.overdue_actions_for_manager(p.users["manager"], on=today))
    assert [action.description for action in overdue] == ["Late youth justice action"]

    body = client_for("manager").get(reverse("interventions:overdue_actions")).content.decode()
    assert "Late youth justice action" in body and "Late council action" not in body and "On time" not in body
    assert client_for("caseworker").get(reverse("interventions:overdue_actions")).status_code == 404

    tasks = client_for("caseworker").get(reverse("interventions:task_list"))
    assert "Late council action" in tasks.content.decode() and "Overdue" in tasks.content.decode()


def test_panel_action_on_a_hidden_agenda_item_is_hidden(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    item = AgendaItem.objects.create(meeting=meeting, child=p.voluntary_child)
    PanelAction.objects.create(
        meeting=meeting,
        agenda_item=item,
        description="Hidden child action",
        owner=p.users["manager"],
        owner_agency=p.agencies["youth_justice"],
        due_on=timezone.localdate(),
    )
    body = client_for("caseworker").get(reverse("interventions:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Hidden child action" not in body


# Counts ------------------------------------------------------------------------------------------


def test_children_discussed_is_exact_for_a_period(client_for, partnership):
    p = partnership
    start = date(2025, 1, 1)
    children = [ChildFactory() for _ in range(5)]
    before = make_meeting(p, held_on=start - timedelta(days=1))
    first = make_meeting(p, held_on=start)
    second = make_meeting(p, held_on=start + timedelta(days=7))
    after = make_meeting(p, held_on=start + timedelta(days=40))
    AgendaItem.objects.create(meeting=before, child=children[0])
    for child in children[1:4]:
        AgendaItem.objects.create(meeting=first, child=child)
    AgendaItem.objects.create(meeting=second, child=children[1])  # discussed twice, counted once
    AgendaItem.objects.create(meeting=second, child=children[4])
    AgendaItem.objects.create(meeting=second, context=p.hotspot)  # contexts are not children
    AgendaItem.objects.create(meeting=after, child=children[0])
    end = start + timedelta(days=30)
    assert queries_panels.children_discussed(start, end) == 4
    assert queries_panels.children_discussed(start - timedelta(days=1), end) == 5
    assert queries_panels.children_discussed(None, None) == 5

    url = reverse("interventions:panel_list") + "?" + period_query(start, end)
    response = client_for("manager").get(url)
    assert response.context["discussed"] == 4
    assert "<strong>4</strong> children discussed at panel" in response.content.decode()
    assert client_for("caseworker").get(url).context["discussed"] is None


def period_query(start: date, end: date) -> str:
    """The period as the GOV.UK date inputs send it."""
    return "&".join(
        f"{name}_{part}={getattr(day, part)}"
        for name, day in (("start", start), ("end", end))
        for part in ("day", "month", "year")
    )


def test_panel_list_period_end_before_start(client_for, partnership):
    response = client_for("manager").get(
        reverse("interventions:panel_list") + "?" + period_query(date(2025, 2, 1), date(2025, 1, 1))
    )
    assert response.status_code == 200
    assert "The end of the period must be the same as or after the start" in response.content.decode()
    assert response.context["discussed"] is None


# Query counts -------------------------------------------------------------------------------------


def test_meeting_page_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    p = partnership
    meeting = make_meeting(p)
    client = client_for("caseworker")
    url = reverse("interventions:meeting_detail", args=[meeting.pk])
    client.get(url)

    def add_rows(count):
        for _ in range(count):
            child = InvolvementFactory(agency=p.agencies["council"]).child
            item = AgendaItem.objects.create(meeting=meeting, child=child, discussion="x")
            PanelAction.objects.create(
                meeting=meeting,
                agenda_item=item,
                description="Do it",
                owner=p.users["caseworker"],
                owner_agency=p.agencies["council"],
                due_on=timezone.localdate(),
            )

    add_rows(1)
    with django_assert_num_queries(QUERIES["meeting"]):
        client.get(url)
    add_rows(5)
    with django_assert_num_queries(QUERIES["meeting"]):
        assert len(client.get(url).context["agenda"]) == 6


def test_panel_list_and_overdue_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    p = partnership
    client = client_for("manager")
    list_url = reverse("interventions:panel_list") + "?" + period_query(date(2020, 1, 1), date(2030, 1, 1))
    overdue_url = reverse("interventions:overdue_actions")
    client.get(list_url)

    def add_rows(count):
        for index in range(count):
            meeting = make_meeting(p, held_on=timezone.localdate() - timedelta(days=index + 10))
            PanelAction.objects.create(
                meeting=meeting,
                description="Late",
                owner=p.users["manager"],
                owner_agency=p.agencies["youth_justice"],
                due_on=timezone.localdate() - timedelta(days=1),
            )

    add_rows(1)
    with django_assert_num_queries(QUERIES["panel_list"]):
        client.get(list_url)
    with django_assert_num_queries(QUERIES["overdue"]):
        client.get(overdue_url)
    add_rows(5)
    with django_assert_num_queries(QUERIES["panel_list"]):
        assert len(client.get(list_url).context["meetings"]) == 6
    with django_assert_num_queries(QUERIES["overdue"]):
        assert len(client.get(overdue_url).context["actions"]) == 6


QUERIES = {"meeting": 9, "panel_list": 8, "overdue": 6}


# API ---------------------------------------------------------------------------------------------


def test_api_meeting_agenda_and_actions(client_for, partnership):
    p = partnership
    panel = Panel.objects.create(name="API panel", chair_agency=p.agencies["youth_justice"])
    client = client_for("caseworker")
    today = timezone.localdate()
    response = client.post(
        "/api/v1/panel-meetings/",
        {"panel": panel.pk, "held_on": today.isoformat(), "agencies_present": [p.agencies["council"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    base = f"/api/v1/panel-meetings/{meeting_id}/"

    hidden = client.post(base + "agenda/", {"child": p.voluntary_child.pk}, content_type="application/json")
    assert hidden.status_code == 400 and "child" in hidden.json()
    added = client.post(
        base + "agenda/", {"child": p.council_child.pk, "decision": "Refer"}, content_type="application/json"
    )
    assert added.status_code == 201

    no_owner = client.post(
        base + "actions/",
        {"description": "Visit", "owner_agency": p.agencies["council"].pk, "due_on": today.isoformat()},
        content_type="application/json",
    )
    assert no_owner.status_code == 400 and "owner" in no_owner.json()
    past = client.post(
        base + "actions/",
        {
            "description": "Visit",
            "owner": p.users["caseworker"].pk,
            "owner_agency": p.agencies["council"].pk,
            "due_on": (today - timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert past.status_code == 400 and "due_on" in past.json()
    assert not PanelAction.objects.exists()
    made = client.post(
        base + "actions/",
        {
            "description": "Visit",
            "owner": p.users["caseworker"].pk,
            "owner_agency": p.agencies["council"].pk,
            "due_on": today.isoformat(),
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    action_id = made.json()["id"]
    assert [row["id"] for row in client.get("/api/v1/panel-actions/").json()["results"]] == [action_id]
    status = client.post(
        f"/api/v1/panel-actions/{action_id}/status/", {"status": "done"}, content_type="application/json"
    )
    assert status.status_code == 200 and status.json()["status"] == "done"

    detail = client.get(base).json()
    assert [item["child"] for item in detail["agenda"]] == [p.council_child.pk]
    assert client_for("voluntary").get(base).status_code == 404
    assert client_for("police").post(base + "agenda/", {"context": p.hotspot.pk}).status_code == 404


# Demo data -----------------------------------------------------------------------------------------


def test_demo_panels_seed(settings):
    from demo import accounts as accounts_demo
    from demo import cases as cases_demo
    from demo import panels as demo_panels

    settings.DEMO = True
    today = timezone.localdate()
    agencies = accounts_demo.seed_agencies()
    users = accounts_demo.seed_personas(agencies)
    cases_demo.seed_children(agencies, users, today)
    assert demo_panels.seed(agencies, users, today) == 10
    assert demo_panels.seed(agencies, users, today) == 0  # idempotent
    meetings = PanelMeeting.objects.filter(panel__name=demo_panels.PANEL_NAME)
    assert meetings.count() == 10 and {meeting.chair.username for meeting in meetings} == {"manager"}
    # The briefing's 207 young people discussed is the live count, and agrees with the agendas read here.
    held = [meeting for meeting in meetings if meeting.held_on <= today]
    on_agendas = {item.child_id for meeting in held for item in meeting.agenda.all() if item.child_id}
    assert queries_panels.children_discussed(None, today) == len(on_agendas) == 207
    first, *_, last = sorted(held, key=lambda meeting: meeting.held_on)
    held_after_first = {
        item.child_id for meeting in held if meeting.held_on > first.held_on for item in meeting.agenda.all()
    } - {None}
    assert queries_panels.children_discussed(first.held_on + timedelta(days=1), last.held_on) == len(held_after_first)
    assert queries_panels.overdue_actions_for_manager(users["manager"]).exists()
    assert PanelAction.objects.overdue().filter(owner=users["caseworker"]).exists()


def test_empty_posts_show_errors_and_save_nothing(client_for, partnership):
    p = partnership
    meeting = make_meeting(p)
    client = client_for("manager")
    for name, args in (
        ("meeting_create", [meeting.panel_id]),
        ("agenda_create", [meeting.pk]),
        ("action_create", [meeting.pk]),
    ):
        response = client.post(reverse(f"interventions:{name}", args=args), {})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
    assert PanelMeeting.objects.count() == 1 and not AgendaItem.objects.exists() and not PanelAction.objects.exists()


def test_action_status_change_is_audited(partnership):
    p = partnership
    meeting = make_meeting(p)
    action = PanelAction.objects.create(
        meeting=meeting,
        description="Audited action",
        owner=p.users["caseworker"],
        owner_agency=p.agencies["council"],
        due_on=timezone.localdate(),
    )
    services.update_action_status(p.users["caseworker"], action, ActionStatus.CANCELLED)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="interventions.panelaction")
    assert event.detail["changed"] == ["status"]
