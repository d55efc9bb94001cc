from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases import visibility
from cases.models.common import VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class ConcernCategory(models.TextChoices):
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Criminal exploitation (including county lines)"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    YOUTH_VIOLENCE = "youth_violence", "Serious youth violence or knife crime"
    TRAFFICKING = "trafficking", "Trafficking or modern slavery"
    RADICALISATION = "radicalisation", "Radicalisation"
    PEER_ABUSE = "peer_abuse", "Peer-on-peer abuse"
    ONLINE_ABUSE = "online_abuse", "Online abuse"
    OTHER = "other", "Other extra-familial harm"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    SCREENING = "screening", "Being screened"
    ACCEPTED = "accepted", "Accepted"
    SIGNPOSTED = "signposted", "Signposted elsewhere"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    CLOSED = "closed", "Closed"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ReferralQuerySet":
        return self.filter(visibility.referral_visible(user))


class Referral(VersionedModel):
    """A referral about a child or about a context (e.g. several children assaulted on one bus route)."""

    child = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="referrals")
    context = models.ForeignKey(
        "cases.Context", null=True, blank=True, on_delete=models.CASCADE, related_name="referrals"
    )
    received_on = models.DateField()
    referrer_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=30, choices=ConcernCategory.choices)
    concerns = models.TextField(max_length=10000)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED)
    outcome = models.TextField(blank=True, max_length=5000)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, context__isnull=True) | Q(child__isnull=True, context__isnull=False),
                name="referral_about_child_or_context",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"


class ReferralDecision(models.Model):
    """The decision trail: every status change with who, when and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="decisions")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    reason = models.TextField(max_length=5000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.decided_at:%Y-%m-%d}"
