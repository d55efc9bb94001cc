"""Missing episodes and their return home interviews.

A missing episode is a record of its own (not only a chronology line): when the young person was
reported missing and when they were found or came back, where they were found, the police
reference and the risk grading. Recording the return raises one return home interview task, due
72 hours after the return; the interview itself is recorded once per episode."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases import visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

RETURN_HOME_INTERVIEW_HOURS = 72


class RiskGrading(models.TextChoices):
    """The police's grading of a missing person report (College of Policing, missing persons)."""

    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class MissingEpisodeQuerySet(models.QuerySet["MissingEpisode"]):
    def visible_to(self, user: "User | AnonymousUser") -> "MissingEpisodeQuerySet":
        return self.filter(visibility.child_visible(user, "child"))

    def open(self) -> "MissingEpisodeQuerySet":
        """Still missing: no return recorded."""
        return self.filter(returned_at__isnull=True)


class MissingEpisode(models.Model):
    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="missing_episodes")
    reported_missing_at = models.DateTimeField()
    risk_grading = models.CharField(max_length=20, choices=RiskGrading.choices)
    police_reference = models.CharField(max_length=50, blank=True)
    circumstances = models.TextField(blank=True, max_length=5000)
    returned_at = models.DateTimeField(null=True, blank=True)
    where_found = models.CharField(max_length=300, blank=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    return_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missing_event = models.OneToOneField(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_event = models.OneToOneField(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MissingEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_missing_at", "-id"]
        indexes = [models.Index(fields=["child", "-reported_missing_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("reported_missing_at")),
                name="missing_episode_return_after_missing",
            ),
        ]

    def __str__(self) -> str:
        return f"Missing from {self.reported_missing_at:%d %b %Y %H:%M}"

    @property
    def interview_due_at(self):
        if self.returned_at is None:
            return None
        return self.returned_at + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)


class InterviewOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted: the interview took place"
    DECLINED = "declined", "Declined by the young person"


class ReturnHomeInterviewQuerySet(models.QuerySet["ReturnHomeInterview"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ReturnHomeInterviewQuerySet":
        return self.filter(visibility.child_visible(user, "episode__child"))


class ReturnHomeInterview(models.Model):
    """One per missing episode (the one-to-one makes a second impossible)."""

    episode = models.OneToOneField(MissingEpisode, on_delete=models.CASCADE, related_name="interview")
    offered_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=InterviewOutcome.choices)
    conducted_by = models.CharField(max_length=200)
    held_at = models.DateTimeField(null=True, blank=True)
    young_person_said = models.TextField(blank=True, max_length=10000)
    push_factors = models.TextField(blank=True, max_length=5000)
    pull_factors = models.TextField(blank=True, max_length=5000)
    follow_up_actions = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReturnHomeInterviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="accepted") | Q(held_at__isnull=False), name="interview_accepted_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"Return home interview ({self.get_outcome_display()})"

    @property
    def completed_within_72_hours(self) -> bool:
        due = self.episode.interview_due_at
        return self.outcome == InterviewOutcome.ACCEPTED and due is not None and self.held_at <= due
