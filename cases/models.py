from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from accounts import policy


class ChildStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChildQuerySet":
        """The only way to read children: those the access policy lets this user see."""
        return self.filter(policy.child_visibility(user))


class Child(models.Model):
    reference = models.CharField(
        max_length=20, unique=True, help_text="The partnership's own reference for this young person."
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=50, blank=True, help_text="As recorded by the referring agency.")
    ethnicity = models.CharField(max_length=100, blank=True, help_text="As recorded by the referring agency.")
    area = models.CharField(max_length=100, blank=True, help_text="Local police area or neighbourhood.")
    status = models.CharField(max_length=10, choices=ChildStatus.choices, default=ChildStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["family_name", "given_name"]), models.Index(fields=["date_of_birth"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return str(self)


class InvolvementQuerySet(models.QuerySet):
    def active(self, on=None) -> "InvolvementQuerySet":
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on), started_on__lte=on)


class Involvement(models.Model):
    """An agency working with a child. This is what 'working with this child' means for access."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="involvements")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_lead_agency = models.BooleanField(default=False)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "id"]
        indexes = [models.Index(fields=["child", "agency", "started_on", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="involvement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} with {self.child_id}"


class ChildUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian grant: a named mentor or a seconded officer who may see one child."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "user"])]


class BreakGlassGrantQuerySet(models.QuerySet):
    def active(self) -> "BreakGlassGrantQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class BreakGlassGrant(models.Model):
    """Emergency, time-limited access to a child outside the user's agencies, with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["child", "user", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access by {self.user_id} to {self.child_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
