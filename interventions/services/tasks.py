"""Writes for tasks: the return home interview raised when a missing young person returns (its
assignee alerted), and closing a task."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.policy import require
from accounts.models import Membership
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited
from cases.models import Involvement
from interventions import alerts
from interventions.models import Task, TaskKind, TaskStatus

if TYPE_CHECKING:
    from accounts.models import Agency, User
    from cases.models import Child
    from interventions.models import MissingEpisode


def lead_agency_for(child: Child, recorder: User | None, fallback: Agency) -> Agency:
    """The child's lead agency: an active involvement marked lead, else the lead professional's
    first agency, else the agency of whoever recorded it, else `fallback`."""
    lead = Involvement.objects.active().filter(child=child, is_lead_agency=True).select_related("agency").first()
    if lead is not None:
        return lead.agency
    for user_id in (child.lead_professional_id, recorder.pk if recorder else None):
        if user_id:
            membership = Membership.objects.active().filter(user_id=user_id).select_related("agency").first()
            if membership is not None:
                return membership.agency
    return fallback


def create_return_home_interview(episode: MissingEpisode, user: User) -> Task:
    """The episode's one return home interview task, due 72 hours after the return (not after it
    was typed). Called with the episode locked, so a second task is never made; an existing one is
    returned as it is."""
    existing = Task.objects.filter(missing_episode=episode).first()
    if existing is not None:
        return existing
    child = episode.child
    due_at = episode.interview_due_at
    assert due_at is not None and episode.returned_at is not None  # called once the return is recorded
    returned = f"{timezone.localtime(episode.returned_at):%d %b %Y %H:%M}"
    task = create_audited(
        user,
        Task,
        kind=TaskKind.RETURN_HOME_INTERVIEW,
        title=f"Offer a return home interview ({child.reference}, returned {returned})",
        child=child,
        agency=lead_agency_for(child, user, episode.agency),
        assignee_id=child.lead_professional_id,
        due_at=due_at,
        missing_episode=episode,
    )
    alerts.interview_due(task)
    return task


@transaction.atomic
def close_task(user: User, task: Task, *, outcome: str, reason: str = "") -> Task:
    """Mark a task done, or record a decision not to offer (a reason is required)."""
    require(user, "close_task", task, "This task is not yours or your agency's.")
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.status != TaskStatus.OPEN:
        raise ValidationError({"outcome": "This task is already closed"})
    reason = (reason or "").strip()
    if outcome not in (TaskStatus.DONE, TaskStatus.NOT_OFFERED):
        raise ValidationError({"outcome": "Choose what happened"})
    if outcome == TaskStatus.NOT_OFFERED and not reason:
        raise ValidationError({"reason": "Give the reason for deciding not to offer a return home interview"})
    if outcome == TaskStatus.DONE and current.missing_episode_id is not None:
        # The interview itself is the record that it was done: recording it closes the task.
        raise ValidationError(
            {"outcome": "Record the return home interview on the missing episode: that closes this task"}
        )
    return _close(user, current, outcome, reason)


def _close(user: User, current: Task, outcome: str, reason: str) -> Task:
    before = audit.snapshot(current)
    current.status = outcome
    current.closed_reason = reason
    current.closed_by = user
    current.closed_at = timezone.now()
    current.full_clean()
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    return current


def close_for_interview(user: User, episode: MissingEpisode, reason: str) -> Task | None:
    """Recording the interview closes the episode's open task (inside the interview's transaction)."""
    current = Task.objects.select_for_update().filter(missing_episode=episode, status=TaskStatus.OPEN).first()
    if current is None:
        return None
    return _close(user, current, TaskStatus.DONE, reason)
