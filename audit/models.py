"""The append-only audit trail.

The application can only insert: updates and deletes raise in code on every database, and on
PostgreSQL a trigger (see the migrations) refuses them too, whoever asks. The one exception is a
recorded redaction (audit.services.redact): when a record is disposed of, the content of earlier
events about it is removed, never who, when or what kind, and each such event names the redaction
event that removed it.
"""

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be deleted.")

    # bulk_update goes through update(); _raw_delete is what cascades use.
    def _raw_delete(self, using: Any) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit records cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be deleted.")


class AuditAction(models.TextChoices):
    READ = "read", "Viewed a record"
    LIST = "list", "Viewed a list"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    DENIED = "denied", "Refused access"
    BREAK_GLASS = "break_glass", "Broke the glass"
    GRANT = "grant", "Granted access"
    GRANT_ENDED = "grant_ended", "Ended access"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Signed out"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Set up two-factor sign-in"
    TWO_FACTOR_RESET = "two_factor_reset", "Reset two-factor sign-in"
    PASSWORD_RESET_ASKED = "password_reset_asked", "Asked to reset a forgotten password"
    PASSWORD_RESET = "password_reset", "Reset a forgotten password"
    REDACT = "redact", "Removed content from the audit trail"


class AuditEvent(AppendOnlyModel):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # How access was granted (involvement, grant, break_glass); search digests; before/after values.
    detail = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"


class AuditSubject(AppendOnlyModel):
    """One row per record an event touched, so 'who has seen this child?' is one indexed lookup,
    including the lists and search results the child appeared in."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="subjects")
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}"
