"""The alerts interventions raises (accounts/notifications.py emails them): a return home interview
due when the return is recorded, and, every hour, interviews and panel actions gone overdue (each
told once to whoever holds it)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Notification, NotificationKind
from accounts.notifications import notify
from interventions.models import PanelAction, Task, TaskKind


def task_link(task: Task) -> str:
    return reverse("interventions:task_detail", args=[task.pk])


def action_link(action: PanelAction) -> str:
    return f"{reverse('interventions:task_list')}#action-{action.pk}"


def interview_due(task: Task) -> None:
    notify(
        task.assignee, NotificationKind.INTERVIEW_DUE, f"A return home interview is due: {task.title}", task_link(task)
    )


def _untold(kind: str, items: list, link, holder: str) -> list:
    """The items whose holder has not yet been told of this kind for this link."""
    links = [link(item) for item in items]
    told = set(Notification.objects.filter(kind=kind, link__in=links).values_list("user_id", "link"))
    return [item for item, url in zip(items, links, strict=True) if (getattr(item, holder), url) not in told]


def alert_overdue() -> int:
    """Tell each assignee of an overdue return home interview, and each owner of an overdue panel
    action, once. Returns how many were told."""
    tasks = list(
        Task.objects.overdue()
        .filter(kind=TaskKind.RETURN_HOME_INTERVIEW, assignee__isnull=False)
        .select_related("assignee")
        .order_by("pk")
    )
    actions = list(PanelAction.objects.overdue().select_related("owner").order_by("pk"))
    told = 0
    for task in _untold(NotificationKind.INTERVIEW_OVERDUE, tasks, task_link, "assignee_id"):
        told += bool(
            notify(task.assignee, NotificationKind.INTERVIEW_OVERDUE, f"Overdue: {task.title}", task_link(task))
        )
    for action in _untold(NotificationKind.ACTION_OVERDUE, actions, action_link, "owner_id"):
        message = f"A panel action of yours was due on {action.due_on:%d %b %Y}: see your tasks"
        told += bool(notify(action.owner, NotificationKind.ACTION_OVERDUE, message, action_link(action)))
    return told
