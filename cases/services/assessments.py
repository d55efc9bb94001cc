"""Context assessments and plans: goals -> responses (owner, review date) -> measures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.policy import acting_agency, require
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited, update_versioned
from cases.models import (
    AssessmentStatus,
    Child,
    Context,
    ContextAssessment,
    ContextPlan,
    PlanGoal,
    PlanResponse,
)

if TYPE_CHECKING:
    from accounts.models import User

ASSESSMENT_FIELDS = (
    "strengths",
    "concerns",
    "guardianship",
    "physical_environment",
    "policies",
    "young_peoples_views",
    "weighting",
    "weighting_rationale",
)
PLAN_FIELDS = ("title", "status", "review_on")


@transaction.atomic
def start_assessment(user: User, context: Context, **fields: Any) -> ContextAssessment:
    require(user, "change_context", context, "You cannot assess this context.")
    fields = {key: value for key, value in fields.items() if key in ASSESSMENT_FIELDS}
    return create_audited(
        user, ContextAssessment, context=context, assessor=user, started_on=timezone.localdate(), **fields
    )


@transaction.atomic
def update_assessment(
    user: User,
    assessment: ContextAssessment,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    complete: bool = False,
) -> ContextAssessment:
    require(user, "change_context", assessment.context, "You cannot assess this context.")
    if assessment.status == AssessmentStatus.COMPLETED:
        raise ValidationError("This assessment is completed and can no longer be changed")
    changes = dict(changes)
    fields = list(ASSESSMENT_FIELDS)
    if complete:
        if not (changes.get("concerns") or assessment.concerns).strip():
            raise ValidationError({"concerns": "Record the concerns before completing the assessment"})
        changes.update(status=AssessmentStatus.COMPLETED, completed_on=timezone.localdate())
        fields += ["status", "completed_on"]
    return update_versioned(user, assessment, changes, expected_version=expected_version, fields=fields)


def _check_children(user: User, context: Context, children: Iterable[Child]) -> list[Child]:
    children = list(children)
    linked = set(context.links.values_list("child_id", flat=True))
    for child in children:
        if child.pk not in linked or not policy.can(user, "view_child", child):
            raise ValidationError({"children": "Choose young people linked to this context"})
    return children


@transaction.atomic
def create_plan(
    user: User,
    context: Context,
    *,
    title: str,
    review_on: date,
    children: Iterable[Child] = (),
    assessment: ContextAssessment | None = None,
) -> ContextPlan:
    require(user, "change_context", context, "You cannot plan for this context.")
    if assessment is not None and assessment.context_id != context.pk:
        raise ValidationError({"assessment": "Choose an assessment of this context"})
    if review_on < timezone.localdate():
        raise ValidationError({"review_on": "The review date must be today or in the future"})
    plan = create_audited(
        user, ContextPlan, context=context, title=title, review_on=review_on, owner=user, assessment=assessment
    )
    set_plan_children(user, plan, children)
    return plan


@transaction.atomic
def set_plan_children(user: User, plan: ContextPlan, children: Iterable[Child]) -> ContextPlan:
    require(user, "change_context", plan.context, "You cannot plan for this context.")
    children = _check_children(user, plan.context, children)
    before = sorted(plan.children.values_list("pk", flat=True))
    # Children the user cannot see stay linked: they are not this user's to remove.
    hidden = list(plan.children.exclude(pk__in=Child.objects.visible_to(user).values("pk")))
    plan.children.set(children + hidden)
    after = sorted(plan.children.values_list("pk", flat=True))
    if before != after:
        audit.record_write(user, AuditAction.UPDATE, plan, before={"children": before}, after={"children": after})
    return plan


@transaction.atomic
def update_plan(user: User, plan: ContextPlan, changes: dict[str, Any], *, expected_version: int | None) -> ContextPlan:
    require(user, "change_context", plan.context, "You cannot plan for this context.")
    review_on = changes.get("review_on")
    if review_on and review_on != plan.review_on and review_on < timezone.localdate():
        raise ValidationError({"review_on": "The review date must be today or in the future"})
    return update_versioned(user, plan, changes, expected_version=expected_version, fields=PLAN_FIELDS)


@transaction.atomic
def add_goal(user: User, plan: ContextPlan, *, description: str) -> PlanGoal:
    require(user, "change_context", plan.context, "You cannot plan for this context.")
    return create_audited(user, PlanGoal, plan=plan, description=description)


@transaction.atomic
def add_response(user: User, goal: PlanGoal, **fields: Any) -> PlanResponse:
    require(user, "change_context", goal.plan.context, "You cannot plan for this context.")
    if fields.get("review_on") and fields["review_on"] < timezone.localdate():
        raise ValidationError({"review_on": "The review date must be today or in the future"})
    fields["owner_agency"] = fields.get("owner_agency") or acting_agency(user)
    owner = fields.get("owner")
    if owner is not None and not owner.memberships.active().filter(agency=fields["owner_agency"]).exists():
        raise ValidationError({"owner": "Choose someone who works for the owning agency"})
    return create_audited(user, PlanResponse, goal=goal, **fields)


@transaction.atomic
def update_response_status(user: User, response: PlanResponse, *, status: str) -> PlanResponse:
    require(user, "change_context", response.goal.plan.context, "You cannot plan for this context.")
    before = audit.snapshot(response)
    response.status = status
    response.full_clean()
    response.save(update_fields=["status"])
    audit.record_write(user, AuditAction.UPDATE, response, before=before, after=audit.snapshot(response))
    return response
