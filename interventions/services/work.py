"""Interventions (for a child, a family or a context) and individualised family outcome plans.

Every write checks the policy (the user must be able to change the subject), validates, writes and
audits with before/after values. Bad input raises ValidationError with a field dict; nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.policy import require
from accounts.models import Membership
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited, update_versioned
from interventions.models import (
    FamilyPlan,
    FamilyPlanGoal,
    FamilyPlanReview,
    GoalProgress,
    Intervention,
    InterventionStatus,
    InterventionType,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from accounts.models import Agency, AgencyIdRow, User
    from cases.models import Child, Context, Family

EARLIEST = date(1990, 1, 1)
OPEN_STATUSES = (InterventionStatus.PLANNED, InterventionStatus.ACTIVE)
CLOSED_STATUSES = (InterventionStatus.COMPLETED, InterventionStatus.ENDED_EARLY)
CHANGE_ACTIONS = {"child": "change_child", "family": "change_family", "context": "change_context"}
EDIT_FIELDS = (
    "intervention_type",
    "lead_agency",
    "lead_professional",
    "started_on",
    "planned_outcomes",
    "status",
    "ended_on",
    "outcome",
)
PLAN_FIELDS = ("title", "lead_professional", "next_review_on", "is_open")
END_BEFORE_START = "The end date must be the same as or after the start date"
OUTCOME_NEEDS_END = "An outcome can only be recorded with the date the intervention ended"


def subject_of(intervention: Intervention) -> tuple[str, object]:
    """('child' | 'family' | 'context', the record) the intervention is for."""
    for kind in ("child", "family", "context"):
        if getattr(intervention, f"{kind}_id"):
            return kind, getattr(intervention, kind)
    raise ValueError("An intervention needs a subject")


def can_change(user: User | AnonymousUser, intervention: Intervention) -> bool:
    kind, subject = subject_of(intervention)
    return policy.can(user, CHANGE_ACTIONS[kind], subject)


def _require_change(user: User | AnonymousUser, intervention: Intervention) -> None:
    if not can_change(user, intervention):
        raise PermissionDenied("You cannot record interventions for this record.")


def lead_agencies(user: User) -> QuerySet[Membership, AgencyIdRow]:
    """The agencies the user may name as lead: those where they hold an editing role."""
    return Membership.objects.active().filter(user=user, role__in=policy.EDITOR_ROLES).values("agency_id")


def _check_lead(
    user: User, lead_agency: Agency | None, lead_professional: User | None, *, current_agency_id: int | None = None
) -> None:
    errors: dict[str, str] = {}
    if lead_agency is None:
        errors["lead_agency"] = "Choose the lead agency"
    elif (
        lead_agency.pk != current_agency_id
        and not Membership.objects.active().filter(user=user, agency=lead_agency, role__in=policy.EDITOR_ROLES).exists()
    ):
        errors["lead_agency"] = "Choose one of your own agencies"
    elif (
        lead_professional is not None
        and not Membership.objects.active().filter(user=lead_professional, agency=lead_agency).exists()
    ):
        errors["lead_professional"] = "Choose someone who works for the lead agency"
    if errors:
        raise ValidationError(errors)


def _check_type(intervention_type: InterventionType | None, *, current_type_id: int | None = None) -> None:
    if intervention_type is None or (
        intervention_type.pk != current_type_id
        and not InterventionType.objects.filter(pk=intervention_type.pk, is_active=True).exists()
    ):
        raise ValidationError({"intervention_type": "Choose a type of intervention from the list"})


def _check_dates(started_on: date | None, ended_on: date | None, status: str, outcome: str | None) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if started_on is None:
        errors["started_on"] = "Enter the start date"
    elif started_on < EARLIEST:
        errors["started_on"] = "The start date must be on or after 1 January 1990"
    elif status != InterventionStatus.PLANNED and started_on > today:
        errors["started_on"] = "The start date must be today or in the past, unless the intervention is planned"
    if ended_on is not None:
        if ended_on > today:
            errors["ended_on"] = "The end date must be today or in the past"
        elif started_on and ended_on < started_on:
            errors["ended_on"] = END_BEFORE_START
    if outcome and ended_on is None:
        errors["outcome"] = OUTCOME_NEEDS_END
    if status in CLOSED_STATUSES and ended_on is None:
        errors.setdefault("ended_on", "Enter the date the intervention ended")
    if status in OPEN_STATUSES and ended_on is not None:
        errors["status"] = "An intervention with an end date is completed or ended early"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_intervention(
    user: User,
    *,
    child: Child | None = None,
    family: Family | None = None,
    context: Context | None = None,
    intervention_type: InterventionType | None,
    lead_agency: Agency | None,
    lead_professional: User | None = None,
    started_on: date | None,
    planned_outcomes: str | None,
    status: str = InterventionStatus.ACTIVE,
) -> Intervention:
    subjects = {"child": child, "family": family, "context": context}
    named = [kind for kind, value in subjects.items() if value is not None]
    if len(named) != 1:
        raise ValidationError("An intervention is for exactly one young person, family or context")
    kind = named[0]
    require(user, CHANGE_ACTIONS[kind], subjects[kind], "You cannot record interventions for this record.")
    if status not in OPEN_STATUSES:
        raise ValidationError({"status": "A new intervention is planned or active; close it to record its outcome"})
    _check_type(intervention_type)
    _check_lead(user, lead_agency, lead_professional)
    _check_dates(started_on, None, status, "")
    if not (planned_outcomes or "").strip():
        raise ValidationError({"planned_outcomes": "Enter the planned outcomes"})
    return create_audited(
        user,
        Intervention,
        intervention_type=intervention_type,
        lead_agency=lead_agency,
        lead_professional=lead_professional,
        started_on=started_on,
        planned_outcomes=planned_outcomes,
        status=status,
        recorded_by=user,
        **{kind: subjects[kind]},
    )


@transaction.atomic
def update_intervention(
    user: User, intervention: Intervention, changes: dict[str, Any], *, expected_version: int | None
) -> Intervention:
    _require_change(user, intervention)
    changes = {key: value for key, value in changes.items() if key in EDIT_FIELDS}
    merged = {field: changes.get(field, getattr(intervention, field)) for field in EDIT_FIELDS}
    was_open = intervention.status in OPEN_STATUSES
    if was_open and merged["status"] in CLOSED_STATUSES:
        raise ValidationError({"status": "Close the intervention with its outcome to complete or end it"})
    if not was_open and merged["status"] in OPEN_STATUSES:
        raise ValidationError({"status": "A closed intervention stays completed or ended early"})
    if "intervention_type" in changes:
        _check_type(changes["intervention_type"], current_type_id=intervention.intervention_type_id)
    if "lead_agency" in changes or "lead_professional" in changes:
        _check_lead(
            user, merged["lead_agency"], merged["lead_professional"], current_agency_id=intervention.lead_agency_id
        )
    _check_dates(merged["started_on"], merged["ended_on"], merged["status"], merged["outcome"])
    if not was_open and not (merged["outcome"] or "").strip():
        raise ValidationError({"outcome": "Enter the outcome"})
    if not (merged["planned_outcomes"] or "").strip():
        raise ValidationError({"planned_outcomes": "Enter the planned outcomes"})
    return update_versioned(user, intervention, changes, expected_version=expected_version, fields=EDIT_FIELDS)


@transaction.atomic
def close_intervention(
    user: User,
    intervention: Intervention,
    *,
    ended_on: date | None,
    outcome: str | None,
    status: str,
    expected_version: int | None = None,
) -> Intervention:
    _require_change(user, intervention)
    if intervention.status in CLOSED_STATUSES:
        raise ValidationError("This intervention is already closed")
    errors: dict[str, str] = {}
    if status not in CLOSED_STATUSES:
        errors["status"] = "Choose completed or ended early"
    if not (outcome or "").strip():
        errors["outcome"] = "Enter the outcome"
    if ended_on is None:
        errors["ended_on"] = "Enter the date the intervention ended"
    if errors:
        raise ValidationError(errors)
    _check_dates(intervention.started_on, ended_on, status, outcome)
    changes = {"ended_on": ended_on, "outcome": outcome, "status": status}
    return update_versioned(
        user, intervention, changes, expected_version=expected_version, fields=("ended_on", "outcome", "status")
    )


# Family outcome plans -----------------------------------------------------------------------------


def _check_plan_lead(family: Family, lead_professional: User | None) -> None:
    if lead_professional is not None and not policy.can(lead_professional, "change_family", family):
        raise ValidationError({"lead_professional": "Choose someone who works with this family"})


def _check_review_date(value: date | None, field: str = "next_review_on") -> None:
    today = timezone.localdate()
    if value is None:
        raise ValidationError({field: "Enter the next review date"})
    if value < today:
        raise ValidationError({field: "The review date must be today or in the future"})
    if value.year > today.year + 10:
        raise ValidationError({field: "The review date must be within the next 10 years"})


@transaction.atomic
def create_family_plan(
    user: User,
    family: Family,
    *,
    title: str,
    started_on: date | None,
    next_review_on: date | None,
    lead_professional: User | None = None,
    goals: Iterable[str] = (),
) -> FamilyPlan:
    require(user, "change_family", family, "You cannot plan for this family.")
    lead_professional = lead_professional or user
    _check_plan_lead(family, lead_professional)
    if started_on is None or started_on > timezone.localdate() or started_on < EARLIEST:
        raise ValidationError({"started_on": "The start date must be today or in the past"})
    _check_review_date(next_review_on)
    plan = create_audited(
        user,
        FamilyPlan,
        family=family,
        title=title,
        started_on=started_on,
        next_review_on=next_review_on,
        lead_professional=lead_professional,
    )
    for description in goals:
        if description and description.strip():
            add_family_goal(user, plan, description=description.strip())
    return plan


@transaction.atomic
def update_family_plan(
    user: User, plan: FamilyPlan, changes: dict[str, Any], *, expected_version: int | None
) -> FamilyPlan:
    require(user, "change_family", plan.family, "You cannot plan for this family.")
    if "lead_professional" in changes and changes["lead_professional"] != plan.lead_professional:
        _check_plan_lead(plan.family, changes["lead_professional"])
    if "next_review_on" in changes and changes["next_review_on"] != plan.next_review_on:
        _check_review_date(changes["next_review_on"])
    return update_versioned(user, plan, changes, expected_version=expected_version, fields=PLAN_FIELDS)


@transaction.atomic
def add_family_goal(user: User, plan: FamilyPlan, *, description: str) -> FamilyPlanGoal:
    require(user, "change_family", plan.family, "You cannot plan for this family.")
    if not plan.is_open:
        raise ValidationError("This plan is closed")
    if not (description or "").strip():
        raise ValidationError({"description": "Enter the goal"})
    return create_audited(user, FamilyPlanGoal, plan=plan, description=description.strip())


@transaction.atomic
def record_family_review(
    user: User,
    plan: FamilyPlan,
    *,
    reviewed_on: date | None,
    summary: str | None,
    progress: dict[int, str] | None = None,
    next_review_on: date | None = None,
) -> FamilyPlanReview:
    """A review: its date and summary, each goal's progress (goal id -> GoalProgress value) and,
    optionally, the next review date."""
    require(user, "change_family", plan.family, "You cannot plan for this family.")
    errors: dict[str, str] = {}
    if reviewed_on is None:
        errors["reviewed_on"] = "Enter the date of the review"
    elif reviewed_on > timezone.localdate():
        errors["reviewed_on"] = "The review date must be today or in the past"
    elif reviewed_on < plan.started_on:
        errors["reviewed_on"] = "The review must be on or after the day the plan started"
    if not (summary or "").strip():
        errors["summary"] = "Enter a summary of the review"
    goals = {goal.pk: goal for goal in plan.goals.all()}
    progress = progress or {}
    for goal_id, value in progress.items():
        if goal_id not in goals:
            errors["progress"] = "Update only the goals of this plan"
        elif value not in GoalProgress.values:
            errors[f"goal_{goal_id}"] = "Choose the progress made towards this goal"
    if errors:
        raise ValidationError(errors)
    if next_review_on is not None:
        _check_review_date(next_review_on)
    review = create_audited(
        user, FamilyPlanReview, plan=plan, reviewed_on=reviewed_on, summary=summary, reviewed_by=user
    )
    for goal_id, value in progress.items():
        goal = goals[goal_id]
        if goal.progress != value:
            before = audit.snapshot(goal)
            goal.progress = value
            goal.save(update_fields=["progress"])
            audit.record_write(user, AuditAction.UPDATE, goal, before=before, after=audit.snapshot(goal))
    if next_review_on is not None and next_review_on != plan.next_review_on:
        update_versioned(user, plan, {"next_review_on": next_review_on}, expected_version=None, fields=PLAN_FIELDS)
    return review
