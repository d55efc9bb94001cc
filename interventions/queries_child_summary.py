"""What `interventions` adds to the summary at the top of a child's page (cases.profile): the
open tasks about the child that the viewer holds, and, for the police only, a child abduction
warning notice in place. A fixed number of queries whatever the data size."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from access import policy
from interventions.models import DisruptionAction, DisruptionKind, Task, TaskStatus

TASKS_SHOWN = 5
# A child abduction warning notice is treated as in place for two years from its issue.
WARNING_NOTICE_DAYS = 730


def child_summary(user, kind: str, subject) -> dict[str, Any]:
    if kind != "child":
        return {}
    now = timezone.now()
    tasks = list(
        Task.objects.visible_to(user)
        .filter(child=subject, status=TaskStatus.OPEN)
        .select_related("missing_episode")
        .order_by("due_at", "id")[: TASKS_SHOWN + 1]
    )
    for task in tasks:
        task.is_overdue = task.due_at < now
    warning_notice = None
    if policy.is_police(user):
        warning_notice = (
            DisruptionAction.objects.visible_to(user)
            .filter(
                child=subject,
                kind=DisruptionKind.CAWN,
                taken_on__gte=timezone.localdate() - timedelta(days=WARNING_NOTICE_DAYS),
            )
            .order_by("-taken_on", "-id")
            .first()
        )
    return {
        "open_tasks": tasks[:TASKS_SHOWN],
        "more_open_tasks": len(tasks) > TASKS_SHOWN,
        "warning_notice": warning_notice,
    }
