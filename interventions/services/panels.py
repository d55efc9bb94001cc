"""Writes for multi-agency panels: meetings, agenda items and owned, dated actions.

Each function checks the policy, validates, writes and audits (access.policy.require, audit.services.create_audited)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.policy import require
from accounts.models import Agency, Membership
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited
from cases.models import Child, Context
from interventions.models import ActionStatus, AgendaItem, Panel, PanelAction, PanelMeeting

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

UPDATE_ACTION_MESSAGE = "Only the owner or a manager of the owning agency can change this action."


def present_users(meeting: PanelMeeting) -> QuerySet[User]:
    """Active users with an active membership in an agency present at the meeting."""
    from accounts.models import User

    agencies = meeting.agencies_present.values("pk")
    members = (
        Membership.objects.active().filter(agency_id__in=agencies, role__in=policy.CASELOAD_ROLES).values("user_id")
    )
    return User.objects.filter(is_active=True, pk__in=members)


@transaction.atomic
def create_meeting(
    user: User,
    panel: Panel,
    *,
    held_on: date,
    agencies_present: Iterable[Agency] = (),
    notes: str = "",
    on: date | None = None,
) -> PanelMeeting:
    require(user, "run_panel", panel, "Only a manager or caseworker can run a panel meeting.")
    if held_on is None:
        raise ValidationError({"held_on": "Enter the date of the meeting"})
    if held_on > (on or timezone.localdate()):
        raise ValidationError({"held_on": "The meeting date must be today or in the past"})
    meeting = create_audited(user, PanelMeeting, panel=panel, held_on=held_on, chair=user, notes=notes)
    meeting.agencies_present.set(agencies_present)
    audit.record_write(
        user,
        AuditAction.UPDATE,
        meeting,
        before=None,
        after={"agencies_present": sorted(agency.pk for agency in agencies_present)},
    )
    return meeting


def _require_runs(user: User, meeting: PanelMeeting) -> None:
    require(user, "view_panel_meeting", meeting, "You cannot change this meeting.")
    require(user, "run_panel", meeting, "Only a manager or caseworker can change a panel meeting.")


@transaction.atomic
def add_agenda_item(
    user: User,
    meeting: PanelMeeting,
    *,
    child: Child | None = None,
    context: Context | None = None,
    discussion: str = "",
    decision: str = "",
) -> AgendaItem:
    _require_runs(user, meeting)
    if (child is None) == (context is None):
        raise ValidationError({"child": "Choose a young person or a context, not both"})
    if child is not None:
        if not policy.can(user, "view_child", child):
            raise ValidationError({"child": "Enter the reference of a young person you can see"})
        if meeting.agenda.filter(child=child).exists():
            raise ValidationError({"child": "This young person is already on the agenda"})
    if context is not None:
        if not policy.can(user, "view_context", context):
            raise ValidationError({"context": "Choose a context you can see"})
        if meeting.agenda.filter(context=context).exists():
            raise ValidationError({"context": "This context is already on the agenda"})
    return create_audited(
        user, AgendaItem, meeting=meeting, child=child, context=context, discussion=discussion, decision=decision
    )


@transaction.atomic
def assign_action(
    user: User,
    meeting: PanelMeeting,
    *,
    description: str,
    owner: User | None,
    owner_agency: Agency | None,
    due_on: date | None,
    agenda_item: AgendaItem | None = None,
    on: date | None = None,
) -> PanelAction:
    _require_runs(user, meeting)
    errors: dict[str, str] = {}
    if not description or not description.strip():
        errors["description"] = "Describe the action"
    if owner is None:
        errors["owner"] = "Choose who owns the action"
    elif not present_users(meeting).filter(pk=owner.pk).exists():
        errors["owner"] = "Choose someone from an agency present at the meeting"
    if owner_agency is None:
        errors["owner_agency"] = "Choose the agency that owns the action"
    elif not meeting.agencies_present.filter(pk=owner_agency.pk).exists():
        errors["owner_agency"] = "Choose an agency present at the meeting"
    elif owner is not None and not Membership.objects.active().filter(user=owner, agency=owner_agency).exists():
        errors["owner_agency"] = "The owner must work for the agency that owns the action"
    if due_on is None:
        errors["due_on"] = "Enter a due date"
    elif due_on < (on or timezone.localdate()):
        errors["due_on"] = "The due date must be today or in the future"
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        errors["agenda_item"] = "Choose an item on this meeting's agenda"
    if errors:
        raise ValidationError(errors)
    return create_audited(
        user,
        PanelAction,
        meeting=meeting,
        agenda_item=agenda_item,
        description=description.strip(),
        owner=owner,
        owner_agency=owner_agency,
        due_on=due_on,
    )


@transaction.atomic
def update_action_status(user: User, action: PanelAction, status: str, *, on: date | None = None) -> PanelAction:
    require(user, "update_panel_action", action, UPDATE_ACTION_MESSAGE)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status"})
    current = PanelAction.objects.select_for_update().get(pk=action.pk)
    before = audit.snapshot(current)
    current.status = status
    current.completed_on = (on or timezone.localdate()) if status == ActionStatus.DONE else None
    current.full_clean()
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    return current
