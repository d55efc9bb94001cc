from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases import visibility
from cases.models.common import Reliability

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class EventKind(models.TextChoices):
    MISSING_EPISODE = "missing_episode", "Missing episode"
    FOUND = "found", "Found or returned"
    EXCLUSION = "exclusion", "School exclusion"
    ARREST = "arrest", "Arrest"
    WEAPON_OFFENCE = "weapon_offence", "Weapon-tagged offence"
    DISCLOSURE = "disclosure", "Disclosure"
    CONTACT = "contact", "Contact"
    REFERRAL = "referral", "Referral"
    ASSESSMENT = "assessment", "Assessment"
    MEETING = "meeting", "Meeting"
    INCIDENT = "incident", "Incident"
    HEALTH = "health", "Health"
    POLICE_INFORMATION = "police_information", "Information shared by the police"
    SCHOOL_ATTENDANCE = "school_attendance", "School attendance concern"
    OTHER = "other", "Other"


class ChronologyEventQuerySet(models.QuerySet["ChronologyEvent"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ChronologyEventQuerySet":
        return self.filter(visibility.subject_visible(user))


class ChronologyEvent(models.Model):
    """A dated entry from any agency, about a child, a family or a context (exactly one)."""

    occurred_on = models.DateField()
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True, max_length=10000)
    child = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    family = models.ForeignKey("cases.Family", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    context = models.ForeignKey("cases.Context", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reliability = models.CharField(max_length=20, choices=Reliability.choices, default=Reliability.CONFIRMED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ChronologyEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["child", "-occurred_on", "-id"]),
            models.Index(fields=["context", "-occurred_on", "-id"]),
            models.Index(fields=["family", "-occurred_on", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(child__isnull=False, family__isnull=True, context__isnull=True)
                    | Q(child__isnull=True, family__isnull=False, context__isnull=True)
                    | Q(child__isnull=True, family__isnull=True, context__isnull=False)
                ),
                name="event_has_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}"
