"""Panels, panel actions and tasks. The meeting (youth justice panel, chaired by the manager, council
and youth justice present) is seen by the chair and the case-holding staff of the agencies present;
its agenda holds council_child, whom only the caseworker sees. Tasks belong to an agency."""

from datetime import timedelta

from django.utils import timezone

from interventions.models import AgendaItem, Panel, PanelAction, PanelMeeting, Task
from tests.matrix import OUTSIDE_MENTORING, Expect, council_child_reference, expect
from tests.matrix.api import api

MEETING_VIEWERS = ("caseworker", "manager")


def panel(p):
    return Panel.objects.get_or_create(name="Matrix panel", defaults={"chair_agency": p.agencies["youth_justice"]})[0]


def meeting(p):
    found = PanelMeeting.objects.filter(panel__name="Matrix panel").first()
    if found:
        return found
    created = PanelMeeting.objects.create(
        panel=panel(p), held_on=timezone.localdate(), chair=p.users["manager"], notes="Matrix meeting notes"
    )
    created.agencies_present.set([p.agencies["council"], p.agencies["youth_justice"]])
    AgendaItem.objects.create(meeting=created, child=p.council_child, discussion="Matrix discussion")
    return created


def meeting_pk(p):
    return {"pk": meeting(p).pk}


def panel_pk(p):
    return {"pk": panel(p).pk}


def action_pk(p):
    action = PanelAction.objects.create(
        meeting=meeting(p),
        description="Matrix action",
        owner=p.users["caseworker"],
        owner_agency=p.agencies["council"],
        due_on=timezone.localdate() + timedelta(days=3),
    )
    return {"pk": action.pk}


def task_pk(p):
    task = Task.objects.create(
        kind="return_home_interview",
        title="Matrix return home interview",
        child=p.council_child,
        agency=p.agencies["council"],
        due_at=timezone.now() + timedelta(hours=72),
    )
    return {"pk": task.pk}


ROUTES: dict[str, Expect] = {
    "interventions:panel_list": expect(OUTSIDE_MENTORING),
    "interventions:meeting_create": expect(MEETING_VIEWERS, kwargs=panel_pk),
    "interventions:meeting_detail": expect(
        MEETING_VIEWERS,
        kwargs=meeting_pk,
        must_not_leak=lambda p: "Matrix meeting notes",
    ),
    # Voluntary, police and others are not present: 404. Caseworker and manager run panels.
    "interventions:agenda_create": expect(MEETING_VIEWERS, kwargs=meeting_pk),
    "interventions:action_create": expect(MEETING_VIEWERS, kwargs=meeting_pk),
    # The owner (caseworker) gets the form's 400; the chair sees the meeting but does not own the
    # action nor manage the council: 403; everyone else 404.
    "interventions:action_status": Expect(
        {"caseworker": 400, "manager": 403, "anonymous": 302}, 404, kwargs=action_pk, method="post"
    ),
    "interventions:overdue_actions": expect(("manager",)),
    "interventions:task_list": expect(OUTSIDE_MENTORING),
    # Council tasks: the caseworker only (the manager is youth justice; the DPO and admin hold no caseload).
    "interventions:task_detail": expect(("caseworker",), kwargs=task_pk, must_not_leak=council_child_reference),
    "interventions:task_close": expect(("caseworker",), status=400, kwargs=task_pk, method="post"),
    # API: lists hold only the caller's records, so everyone signed in gets 200.
    "api:panel-meeting-list": api(OUTSIDE_MENTORING, status=200),
    "api:panel-meeting-detail": api(MEETING_VIEWERS, kwargs=meeting_pk, must_not_leak=lambda p: "Matrix meeting notes"),
    "api:panel-meeting-agenda": api(MEETING_VIEWERS, status=400, method="post", kwargs=meeting_pk),
    "api:panel-meeting-actions": api(MEETING_VIEWERS, status=400, method="post", kwargs=meeting_pk),
    "api:panel-action-list": api(OUTSIDE_MENTORING),
    "api:panel-action-status": Expect(
        {"caseworker": 400, "manager": 403, "anonymous": 403}, 404, kwargs=action_pk, method="post"
    ),
    "api:task-list": api(OUTSIDE_MENTORING),
    "api:task-close": api(("caseworker",), status=400, method="post", kwargs=task_pk),
}
