"""Context assessments and context plans (Tier 2): assess a place, group or school, then plan
goals -> responses -> measures, linked back to the children affected."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from cases.models.common import VersionedModel
from cases.models.contexts import Context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    COMPLETED = "completed", "Completed"


class ContextWeighting(models.TextChoices):
    CONTEXT_GREATER = "context_greater", "Harm in this context outweighs harm at home"
    BALANCED = "balanced", "Harm in this context and at home are similar"
    FAMILY_GREATER = "family_greater", "Harm at home outweighs harm in this context"
    NOT_KNOWN = "not_known", "Not yet known"


class ContextAssessmentQuerySet(models.QuerySet["ContextAssessment"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ContextAssessmentQuerySet":
        return self.filter(context__in=Context.objects.visible_to(user))


class ContextAssessment(VersionedModel):
    context = models.ForeignKey("cases.Context", on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    strengths = models.TextField(blank=True, max_length=10000)
    concerns = models.TextField(blank=True, max_length=10000)
    guardianship = models.TextField(blank=True, max_length=10000, help_text="Who is looking out for young people here.")
    physical_environment = models.TextField(blank=True, max_length=10000)
    policies = models.TextField("policies and practice", blank=True, max_length=10000)
    young_peoples_views = models.TextField("young people's own views", blank=True, max_length=10000)
    weighting = models.CharField(max_length=20, choices=ContextWeighting.choices, default=ContextWeighting.NOT_KNOWN)
    weighting_rationale = models.TextField(blank=True, max_length=5000)

    objects = ContextAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"Assessment of {self.context_id} started {self.started_on}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class ContextPlanQuerySet(models.QuerySet["ContextPlan"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ContextPlanQuerySet":
        return self.filter(context__in=Context.objects.visible_to(user))


class ContextPlan(VersionedModel):
    context = models.ForeignKey("cases.Context", on_delete=models.CASCADE, related_name="plans")
    assessment = models.ForeignKey(
        ContextAssessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    review_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    children = models.ManyToManyField("cases.Child", related_name="context_plans", blank=True)

    objects = ContextPlanQuerySet.as_manager()

    class Meta:
        ordering = ["review_on", "id"]

    def __str__(self) -> str:
        return self.title


class PlanGoal(models.Model):
    plan = models.ForeignKey(ContextPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class ResponseStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class PlanResponse(models.Model):
    """What the partnership will do towards a goal, who owns it, by when, and how we will know."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="responses")
    action = models.CharField(max_length=500)
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measure = models.CharField(max_length=500, help_text="How we will know it has worked.")
    review_on = models.DateField()
    status = models.CharField(max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.NOT_STARTED)

    class Meta:
        ordering = ["review_on", "id"]

    def __str__(self) -> str:
        return self.action
