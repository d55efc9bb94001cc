"""Grounds of access that are not an agency's involvement: a named user's grant to one child,
and emergency (break-the-glass) access. The access layer reads both once per request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccessGrantQuerySet(models.QuerySet["AccessGrant"]):
    def active(self) -> AccessGrantQuerySet:
        today = timezone.localdate()
        return self.filter(ended_at__isnull=True, starts_on__lte=today, ends_on__gte=today)

    def current(self) -> AccessGrantQuerySet:
        """Not ended and not yet expired (working now, or from a later start)."""
        return self.filter(ended_at__isnull=True, ends_on__gte=timezone.localdate())

    def past(self) -> AccessGrantQuerySet:
        """Ended, or past their last day."""
        return self.filter(Q(ended_at__isnull=False) | Q(ends_on__lt=timezone.localdate()))

    def with_status(self, status: str) -> AccessGrantQuerySet:
        """`current`, `past` or anything else for all."""
        if status == "current":
            return self.current()
        if status == "past":
            return self.past()
        return self


class AccessGrant(models.Model):
    """A named user (a mentor, a seconded officer) may see one child until a date, for a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants")
    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="access_grants")
    reason = models.TextField(max_length=2000)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(help_text="The last day the grant works.")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(max_length=2000, blank=True)
    # Empty: the grant works wherever the child is visible. A named scope (a mentoring match's
    # grant is "mentoring") works only in that area: the child stays out of every other page.
    scope = models.CharField(max_length=30, blank=True, default="")

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "ends_on"], condition=Q(ended_at__isnull=True), name="open_access_grant_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="access_grant_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Access grant to {self.child_id} for {self.user_id}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.ended_at is None and self.starts_on <= today <= self.ends_on

    @property
    def status(self) -> str:
        if self.ended_at is not None:
            return "Ended"
        today = timezone.localdate()
        if self.ends_on < today:
            return "Expired"
        return "Not started" if self.starts_on > today else "Active"


class BreakGlassGrantQuerySet(models.QuerySet["BreakGlassGrant"]):
    def active(self) -> BreakGlassGrantQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class BreakGlassGrant(models.Model):
    """Emergency, time-limited access to a child outside the user's agencies, with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="break_glass_grants")
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
        # The table it had when it lived in `cases`.
        db_table = "cases_breakglassgrant"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["child", "user", "expires_at"], name="cases_break_child_i_73c16c_idx")]

    def __str__(self) -> str:
        return f"Emergency access by {self.user_id} to {self.child_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
