"""What the partnership does: interventions and family plans, multi-agency panels and their
actions, tasks, and the police-only work on perpetrators and places (disruption, intelligence)."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from access import policy
from cases import visibility
from cases.models.common import VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

ONE_SUBJECT = (
    Q(child__isnull=False, family__isnull=True, context__isnull=True)
    | Q(child__isnull=True, family__isnull=False, context__isnull=True)
    | Q(child__isnull=True, family__isnull=True, context__isnull=False)
)


class InterventionType(models.Model):
    """Kinds of intervention; the partnership adds its own in the administration pages."""

    code = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ENDED_EARLY = "ended_early", "Ended early"


class InterventionQuerySet(models.QuerySet["Intervention"]):
    def visible_to(self, user: "User | AnonymousUser") -> "InterventionQuerySet":
        return self.filter(visibility.subject_visible(user))

    def delivered_between(self, start: date, end: date) -> "InterventionQuerySet":
        """Interventions under way at any point in [start, end] (started by the end, not ended before the start)."""
        return self.exclude(status=InterventionStatus.PLANNED).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start), started_on__lte=end
        )


class Intervention(VersionedModel):
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="interventions"
    )
    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.CASCADE, related_name="interventions"
    )
    context = models.ForeignKey(
        "cases.Context", null=True, blank=True, on_delete=models.CASCADE, related_name="interventions"
    )
    intervention_type = models.ForeignKey(InterventionType, on_delete=models.PROTECT, related_name="+")
    lead_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=InterventionStatus.choices, default=InterventionStatus.ACTIVE)
    planned_outcomes = models.TextField(max_length=5000)
    outcome = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = InterventionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["started_on", "ended_on"])]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="intervention_has_one_subject"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="intervention_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(ended_on__isnull=False), name="intervention_outcome_needs_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention_type} from {self.started_on}"


class FamilyPlanQuerySet(models.QuerySet["FamilyPlan"]):
    def visible_to(self, user: "User | AnonymousUser") -> "FamilyPlanQuerySet":
        return self.filter(visibility.family_visible(user, "family"))


class FamilyPlan(VersionedModel):
    """An individualised family outcome plan: goals, reviewed over time."""

    family = models.ForeignKey("cases.Family", on_delete=models.CASCADE, related_name="outcome_plans")
    title = models.CharField(max_length=200)
    lead_professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    next_review_on = models.DateField()
    is_open = models.BooleanField(default=True)

    objects = FamilyPlanQuerySet.as_manager()

    class Meta:
        ordering = ["next_review_on", "id"]

    def __str__(self) -> str:
        return self.title


class GoalProgress(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    SOME_PROGRESS = "some_progress", "Some progress"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"


class FamilyPlanGoal(models.Model):
    plan = models.ForeignKey(FamilyPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=500)
    progress = models.CharField(max_length=20, choices=GoalProgress.choices, default=GoalProgress.NOT_STARTED)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class FamilyPlanReview(models.Model):
    plan = models.ForeignKey(FamilyPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    summary = models.TextField(max_length=5000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on}"


# Panels -----------------------------------------------------------------------------------------


class Panel(models.Model):
    """A standing multi-agency meeting, e.g. the weekly exploitation panel."""

    name = models.CharField(max_length=200, unique=True)
    chair_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PanelMeetingQuerySet(models.QuerySet["PanelMeeting"]):
    def visible_to(self, user: "User | AnonymousUser") -> "PanelMeetingQuerySet":
        """Seen by the chair and by case-holding staff of the agencies present or the panel's chair
        agency. Who was discussed is shown only where the viewer can see that child."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        agencies = policy.caseload_agencies(user)
        # Exists, not a join over agencies present, so a meeting is never listed twice.
        present = PanelMeeting.agencies_present.through.objects.filter(panelmeeting=OuterRef("pk"), agency__in=agencies)
        return self.filter(Q(chair=user) | Q(Exists(present)) | Q(panel__chair_agency__in=agencies))


class PanelMeeting(VersionedModel):
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agencies_present = models.ManyToManyField("accounts.Agency", related_name="+", blank=True)
    notes = models.TextField(blank=True, max_length=20000)

    objects = PanelMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.panel} on {self.held_on}"


class AgendaItem(models.Model):
    """A child or a context discussed at a meeting, with the discussion and the decision."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="agenda")
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="panel_items"
    )
    context = models.ForeignKey(
        "cases.Context", null=True, blank=True, on_delete=models.CASCADE, related_name="panel_items"
    )
    discussion = models.TextField(blank=True, max_length=10000)
    decision = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, context__isnull=True) | Q(child__isnull=True, context__isnull=False),
                name="agenda_item_child_or_context",
            ),
            models.UniqueConstraint(
                fields=["meeting", "child"], condition=Q(child__isnull=False), name="agenda_child_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "context"], condition=Q(context__isnull=False), name="agenda_context_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.pk} at {self.meeting_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PanelActionQuerySet(models.QuerySet["PanelAction"]):
    def overdue(self, on: date | None = None) -> "PanelActionQuerySet":
        return self.filter(status=ActionStatus.OPEN, due_on__lt=on or timezone.localdate())


class PanelAction(models.Model):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="actions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_actions")
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)

    objects = PanelActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return self.description


# Tasks ------------------------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    RETURN_HOME_INTERVIEW = "return_home_interview", "Return home interview"
    REVIEW = "review", "Review"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    NOT_OFFERED = "not_offered", "Decided not to offer"


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: "User | AnonymousUser") -> "TaskQuerySet":
        """Tasks assigned to the user, or to an agency where they hold a case-holding role."""
        agencies = policy.caseload_agencies(user)
        return self.filter(Q(assignee=user) | Q(assignee__isnull=True, agency__in=agencies))

    def overdue(self, on: datetime | None = None) -> "TaskQuerySet":
        return self.filter(status=TaskStatus.OPEN, due_at__lt=on or timezone.now())


class Task(models.Model):
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    title = models.CharField(max_length=300)
    child = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    source_event = models.OneToOneField(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="task"
    )
    # A return home interview task's episode: one task per episode.
    missing_episode = models.OneToOneField(
        "interventions.MissingEpisode", null=True, blank=True, on_delete=models.CASCADE, related_name="task"
    )
    closed_reason = models.TextField(blank=True, max_length=5000)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.NOT_OFFERED) | ~Q(closed_reason=""), name="task_not_offered_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title
