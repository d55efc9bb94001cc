"""The panel and task rules of the rules table (access.policy.RULES), and the raising helpers that
pages refused by role use (access.lookups.require_or_404, note_read(object_type=...))."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from access import lookups, policy
from audit.models import AuditAction, AuditEvent
from interventions.models import Panel, PanelAction, PanelMeeting, Task, TaskKind

pytestmark = pytest.mark.django_db


def make_action(p, *, owner="caseworker", agency="council") -> PanelAction:
    panel, _ = Panel.objects.get_or_create(name="Test panel", defaults={"chair_agency": p.agencies["youth_justice"]})
    meeting = PanelMeeting.objects.create(panel=panel, held_on=timezone.localdate(), chair=p.users["manager"])
    meeting.agencies_present.set([p.agencies["council"]])
    return PanelAction.objects.create(
        meeting=meeting,
        description="Do it",
        owner=p.users[owner],
        owner_agency=p.agencies[agency],
        due_on=timezone.localdate(),
    )


def test_a_panel_action_is_updated_by_its_owner_or_a_manager_of_the_owning_agency(partnership):
    p = partnership
    council_action = make_action(p)
    youth_justice_action = make_action(p, owner="manager", agency="youth_justice")
    assert policy.can(p.users["caseworker"], "update_panel_action", council_action)
    assert not policy.can(p.users["manager"], "update_panel_action", council_action)  # manages youth justice
    assert policy.can(p.users["manager"], "update_panel_action", youth_justice_action)
    assert not policy.can(p.users["caseworker"], "update_panel_action", youth_justice_action)
    assert policy.managed_agencies(p.users["manager"]) == [p.agencies["youth_justice"].pk]
    assert policy.managed_agencies(p.users["caseworker"]) == []


def test_only_managers_oversee_panel_actions(partnership):
    assert [name for name, user in partnership.users.items() if policy.can(user, "oversee_panel_actions")] == [
        "manager"
    ]


def test_a_panel_meeting_is_seen_by_its_chair_and_the_agencies_present(partnership):
    p = partnership
    meeting = make_action(p).meeting
    seen = {name for name, user in p.users.items() if policy.can(user, "view_panel_meeting", meeting)}
    assert seen == {"caseworker", "manager"}  # council is present; the manager chairs


def test_a_task_is_closed_by_whoever_sees_it(partnership):
    p = partnership
    task = Task.objects.create(
        kind=TaskKind.OTHER,
        title="Test task",
        agency=p.agencies["council"],
        due_at=timezone.now() + timedelta(days=1),
    )
    assert set(Task.objects.visible_to(p.users["caseworker"])) == {task}
    assert not Task.objects.visible_to(p.users["police"]).exists()
    assert policy.can(p.users["caseworker"], "close_task", task)
    assert not policy.can(p.users["police"], "close_task", task)


def test_require_or_404_raises_for_a_role_without_the_action_and_audits_nothing(partnership):
    lookups.require_or_404(partnership.users["dpo"], "view_audit")
    with pytest.raises(Http404):
        lookups.require_or_404(partnership.users["caseworker"], "view_audit")
    assert not AuditEvent.objects.exists()


def test_note_read_may_record_the_read_under_another_object_type(partnership):
    child = partnership.council_child
    lookups.note_read(partnership.users["dpo"], child, object_type="audit.child_trail")
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (AuditAction.READ, "audit.child_trail", str(child.pk))
    assert list(event.subjects.values_list("object_type", "object_id")) == [("audit.child_trail", str(child.pk))]
