"""What `interventions` adds to the home page (cases.profile): the user's tasks due and overdue,
and the caseload's flags (missing now, a return home interview due). Fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from interventions.models import MissingEpisode, Task, TaskKind, TaskStatus
from interventions.queries_panels import my_open_actions, my_open_tasks

SHOWN = 5


def home_tasks(user) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate()
    tasks = list(my_open_tasks(user, now)[: SHOWN + 1])
    for task in tasks:
        task.is_overdue = task.due_at < now
    actions = list(my_open_actions(user).order_by("due_on", "id")[: SHOWN + 1])
    for action in actions:
        action.is_overdue = action.due_on < today
    return {
        "home_tasks": tasks[:SHOWN],
        "home_actions": actions[:SHOWN],
        "home_more": len(tasks) > SHOWN or len(actions) > SHOWN,
    }


def caseload_flags(user, children):
    return children.annotate(
        is_missing=Exists(MissingEpisode.objects.filter(child=OuterRef("pk"), returned_at__isnull=True)),
        interview_due=Exists(
            Task.objects.filter(child=OuterRef("pk"), kind=TaskKind.RETURN_HOME_INTERVIEW, status=TaskStatus.OPEN)
        ),
    )
