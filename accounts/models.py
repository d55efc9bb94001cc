from functools import cached_property
from typing import TypedDict

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac


class AgencyKind(models.TextChoices):
    COUNCIL = "council", "Council"
    POLICE = "police", "Police"
    VOLUNTARY = "voluntary", "Voluntary sector"
    EDUCATION = "education", "Education"
    HEALTH = "health", "Health"


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Caseworker"
    POLICE_OFFICER = "police_officer", "Police officer"
    VOLUNTARY_WORKER = "voluntary_worker", "Voluntary sector worker"
    MENTOR = "mentor", "Community mentor"
    MENTORING_COORDINATOR = "mentoring_coordinator", "Mentoring coordinator"
    OUTREACH_OFFICER = "outreach_officer", "Outreach officer"
    MANAGER = "manager", "Manager"
    DATA_PROTECTION_OFFICER = "data_protection_officer", "Data protection officer"
    SYSTEM_ADMIN = "system_admin", "System administrator"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", "As each alert happens"
    DAILY = "daily", "Once a day, in one email"


class User(AbstractUser):
    """A member of staff. What they may see comes from their memberships, never from flags here."""

    # Raised to end every session the user has (two-factor reset): it is part of the session's
    # authentication hash, so sessions signed with an older value no longer authenticate.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    notification_emails = models.CharField(
        "alert emails", max_length=20, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @cached_property
    def acting_membership(self) -> tuple[int, str] | None:
        """(agency id, role) of the first active membership: whom the audit trail records the user
        as. The access layer fills this in from its per-request query, so it rarely costs one."""
        first = Membership.objects.active().filter(user=self).order_by("id").values_list("agency_id", "role").first()
        return (first[0], first[1]) if first else None


class AgencyIdRow(TypedDict):
    """A row of `Membership.objects.values("agency_id")` (a subquery of agency ids)."""

    agency_id: int


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(is_active=True, agency__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="unique_membership_role"),
        ]
        indexes = [models.Index(fields=["user", "role"], condition=Q(is_active=True), name="active_membership_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.agency}"


class NotificationKind(models.TextChoices):
    """What an alert is about. Every kind but OTHER is also emailed (accounts/notifications.py)."""

    OTHER = "other", "Other"
    INTERVIEW_DUE = "interview_due", "A return home interview is due"
    INTERVIEW_OVERDUE = "interview_overdue", "A return home interview is overdue"
    EMERGENCY_ACCESS = "emergency_access", "Someone used emergency access"
    ACTION_OVERDUE = "action_overdue", "A panel action is overdue"
    MENTOR_CONCERN = "mentor_concern", "A community mentor raised a concern"


class Notification(models.Model):
    """A message in a user's own inbox on the home page (for example a break-the-glass alert), and
    whether its email went: `emailed_at` once sent, `email_error` when the mail server refused it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    # Database defaults too: the cohort run inserts its alerts with one INSERT ... SELECT.
    kind = models.CharField(
        max_length=30,
        choices=NotificationKind.choices,
        default=NotificationKind.OTHER,
        db_default=NotificationKind.OTHER,
    )
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message


class SignInFailure(models.Model):
    """One failed sign-in, counted per username and per address for the lockout. Kept in the
    database, not the cache, so the lockout holds (and sign-in works) while Redis is down. Names
    and addresses are stored as keyed digests; the audit trail has the attempt itself."""

    class Kind(models.TextChoices):
        USERNAME = "username", "Username"
        ADDRESS = "address", "Address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["digest", "kind", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class SignedInSession(models.Model):
    """A session someone signed in with (two-factor sign-in finished), so that they can see where they
    are signed in and end the sessions they do not recognise (accounts/sessions.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    browser = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-signed_in_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"
