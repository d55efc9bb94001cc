"""Reads for panels and tasks: what a user may see of meetings, agendas, actions and tasks."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone

from access import lookups, policy
from cases.models import Child, Context
from interventions.models import ActionStatus, AgendaItem, PanelAction, PanelMeeting, Task, TaskStatus


def children_discussed(start: date | None, end: date | None) -> int:
    """Distinct children on the agenda of meetings held from `start` to `end` (inclusive), partnership wide."""
    items = AgendaItem.objects.filter(child__isnull=False)
    if start:
        items = items.filter(meeting__held_on__gte=start)
    if end:
        items = items.filter(meeting__held_on__lte=end)
    return items.values("child_id").distinct().count()


def meetings_visible_to(user):
    """Meetings the user may see, once each (the policy joins the agencies present)."""
    return PanelMeeting.objects.filter(pk__in=PanelMeeting.objects.visible_to(user).values("pk"))


def meeting_or_404(user, pk):
    """A meeting the user may see (with its panel and chair); otherwise the refusal is audited and
    Http404 raised."""
    return lookups.get_or_404(user, meetings_visible_to(user).select_related("panel", "chair"), pk)


def visible_agenda(user, meeting: PanelMeeting):
    """Agenda items about a child or context the user may see; the rest are left out altogether."""
    return meeting.agenda.filter(
        Q(child__in=Child.objects.visible_to(user).values("pk"))
        | Q(context__in=Context.objects.visible_to(user).values("pk"))
    ).select_related("child", "context")


ACTION_SUBJECT = ("agenda_item__child", "agenda_item__context")


def with_subject(user, actions):
    """Actions with what they are about: `subject_visible` is False when the action's agenda item is
    about a young person or context the user may not see (the page then says so and withholds the
    description from anyone but the action's owner). One query, whatever the number of actions."""
    return actions.select_related(*ACTION_SUBJECT).annotate(
        subject_visible=Case(
            When(agenda_item__isnull=True, then=Value(True)),
            When(
                agenda_item__child__isnull=False,
                then=Exists(Child.objects.visible_to(user).filter(pk=OuterRef("agenda_item__child_id"))),
            ),
            default=Exists(Context.objects.visible_to(user).filter(pk=OuterRef("agenda_item__context_id"))),
            output_field=BooleanField(),
        )
    )


def meeting_actions(user, meeting: PanelMeeting):
    """Every action of a meeting the user may see (the chair sees all of them), each saying what it
    is about in the form the user may see (`with_subject`)."""
    return with_subject(user, meeting.actions.select_related("owner", "owner_agency")).order_by("due_on", "id")


def my_open_actions(user):
    return with_subject(
        user,
        PanelAction.objects.filter(owner=user, status=ActionStatus.OPEN).select_related(
            "meeting__panel", "owner_agency"
        ),
    )


def overdue_actions_for_manager(user, on: date | None = None):
    return with_subject(
        user,
        PanelAction.objects.overdue(on)
        .filter(owner_agency_id__in=policy.managed_agencies(user))
        .select_related("meeting__panel", "owner", "owner_agency"),
    ).order_by("due_on", "id")


def child_visible_expression(user):
    return Exists(Child.objects.visible_to(user).filter(pk=OuterRef("child_id")))


def my_open_tasks(user, now=None):
    """Open tasks for the user or their agency, overdue first; `child_visible` says whether to name the child."""
    now = now or timezone.now()
    return (
        Task.objects.visible_to(user)
        .filter(status=TaskStatus.OPEN)
        .annotate(
            child_visible=child_visible_expression(user),
            late=Case(When(due_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .select_related("child", "agency", "assignee")
        .order_by("late", "due_at", "id")
    )


def task_or_404(user, pk):
    """A task for the user or their agency, with `child_visible`; otherwise the refusal is audited
    and Http404 raised."""
    tasks = (
        Task.objects.visible_to(user)
        .annotate(child_visible=child_visible_expression(user))
        .select_related("child", "agency", "assignee", "closed_by", "source_event")
    )
    return lookups.get_or_404(user, tasks, pk)


def action_or_404(user, pk):
    """An action the user may see: they own it, manage its agency, or can see its meeting.
    Otherwise the refusal is audited and Http404 raised."""
    actions = PanelAction.objects.filter(
        Q(owner=user)
        | Q(owner_agency_id__in=policy.managed_agencies(user))
        | Q(meeting__in=PanelMeeting.objects.visible_to(user).values("pk"))
    ).select_related("meeting__panel", "owner", "owner_agency")
    return lookups.get_or_404(user, actions, pk)
