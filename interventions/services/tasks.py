"""Writes for tasks: the return home interview raised by a missing episode, and closing a task."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.policy import require
from accounts.models import Membership
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited
from cases.models import ChronologyEvent, Involvement
from cases.models.chronology import EventKind
from interventions.models import Task, TaskKind, TaskStatus

if TYPE_CHECKING:
    from accounts.models import Agency, User

RETURN_HOME_INTERVIEW_HOURS = 72


def lead_agency_for(event: ChronologyEvent, user: User | None = None) -> Agency:
    """The child's lead agency: an active involvement marked lead, else the lead professional's
    first agency, else the agency of whoever recorded the event."""
    child = event.child
    lead = Involvement.objects.active().filter(child=child, is_lead_agency=True).select_related("agency").first()
    if lead is not None:
        return lead.agency
    assert child is not None  # only called for events about a child
    if child.lead_professional_id:
        membership = (
            Membership.objects.active().filter(user_id=child.lead_professional_id).select_related("agency").first()
        )
        if membership is not None:
            return membership.agency
    recorder = user or event.recorded_by
    if recorder is not None:
        membership = Membership.objects.active().filter(user=recorder).select_related("agency").first()
        if membership is not None:
            return membership.agency
    return event.source_agency


def create_return_home_interview(event: ChronologyEvent, user: User | None = None) -> Task | None:
    """A task due within 72 hours of the missing episode being recorded. Once per event."""
    if event.kind != EventKind.MISSING_EPISODE or event.child_id is None:
        return None
    existing = Task.objects.filter(source_event=event).first()
    if existing is not None:
        return existing
    child = event.child
    assert child is not None  # child_id is set (checked above)
    recorded_at = event.recorded_at or timezone.now()
    return create_audited(
        user or event.recorded_by,
        Task,
        kind=TaskKind.RETURN_HOME_INTERVIEW,
        title=f"Offer a return home interview ({child.reference})",
        child=child,
        agency=lead_agency_for(event, user),
        assignee_id=child.lead_professional_id,
        due_at=recorded_at + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS),
        source_event=event,
    )


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
    before = audit.snapshot(current)
    current.status = outcome
    current.closed_reason = reason
    current.closed_by = user
    current.closed_at = timezone.now()
    current.full_clean()
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    return current
