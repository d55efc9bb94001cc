"""Community mentoring: mentors and their vetting, referrals and the waiting list, matches (each
backed by an access grant to one young person), sessions and concerns.

Who sees what (`visible_to(user)` on every QuerySet):
- a mentoring coordinator sees the mentoring records of their own agency (its mentors, the
  referrals made to it, their matches, sessions and concerns);
- a mentor sees their own mentor record, their active matches whose young person they can see
  through the access grant the match created, and the sessions and concerns of those matches;
- a case-holding worker (caseworker, police, voluntary sector, manager) sees referrals to
  mentoring of the children they can see.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access import policy
from access.principal import principal
from accounts.models import Role
from cases.visibility import child_visible

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

DEFAULT_DBS_RENEWAL_YEARS = 3
# A match's access grant works in mentoring only (access.models.AccessGrant.scope).
GRANT_SCOPE = "mentoring"


def dbs_renewal_years() -> int:
    """How long an enhanced DBS check counts for before it must be renewed (a setting)."""
    return int(getattr(settings, "MENTORING_DBS_RENEWAL_YEARS", DEFAULT_DBS_RENEWAL_YEARS))


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def coordinated_agencies(user: Any) -> list[int]:
    """Ids of the agencies where the user is a mentoring coordinator."""
    return sorted({agency for role, _kind, agency in principal(user).memberships if role == Role.MENTORING_COORDINATOR})


def validate_dbs_certificate_number(value: str) -> None:
    if not re.fullmatch(r"\d{12}", value):
        raise ValidationError("Enter a DBS certificate number of 12 digits, like 001234567890")


# Mentors ------------------------------------------------------------------------------------------


class MentorStatus(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    VETTING = "vetting", "Vetting"
    IN_TRAINING = "in_training", "In training"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


class DbsOutcome(models.TextChoices):
    CLEAR = "clear", "Clear: nothing disclosed"
    DISCLOSED_SUITABLE = "disclosed_suitable", "Information disclosed, assessed as suitable"
    UNSUITABLE = "unsuitable", "Not suitable"


class UpdateServiceStatus(models.TextChoices):
    NOT_REGISTERED = "not_registered", "Not registered"
    REGISTERED = "registered", "Registered, status checked"


class MentorQuerySet(models.QuerySet["Mentor"]):
    def visible_to(self, user: User | AnonymousUser) -> MentorQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(agency_id__in=coordinated_agencies(user)) | Q(user_id=user.pk))


class Mentor(models.Model):
    """A volunteer community mentor, from application to active (or paused, or left)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="mentors")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mentor_record",
        help_text="Their sign-in, needed before they can be matched.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=MentorStatus.choices, default=MentorStatus.APPLICANT)
    status_changed_on = models.DateField(default=timezone.localdate)
    # Profile for matching.
    area = models.CharField(max_length=100, blank=True)
    gender = models.CharField(max_length=50, blank=True)
    languages = models.CharField(max_length=200, blank=True, help_text="Separated by commas.")
    interests = models.CharField(max_length=300, blank=True, help_text="Separated by commas.")
    availability = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="Young people at once."
    )
    # Enhanced DBS check with the children's barred list.
    dbs_checked_on = models.DateField(null=True, blank=True)
    dbs_certificate_number = models.CharField(max_length=12, blank=True, validators=[validate_dbs_certificate_number])
    dbs_outcome = models.CharField(max_length=20, choices=DbsOutcome.choices, blank=True)
    dbs_barred_list_checked = models.BooleanField(default=False)
    dbs_update_service = models.CharField(
        max_length=20, choices=UpdateServiceStatus.choices, default=UpdateServiceStatus.NOT_REGISTERED
    )
    interviewed_on = models.DateField(null=True, blank=True)
    interview_notes = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentorQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def dbs_expires_on(self) -> date | None:
        if self.dbs_checked_on is None:
            return None
        return add_years(self.dbs_checked_on, dbs_renewal_years())

    def dbs_expired(self, on: date | None = None) -> bool:
        expires = self.dbs_expires_on()
        return expires is not None and expires <= (on or timezone.localdate())

    def word_list(self, field: str) -> list[str]:
        return [word.strip().lower() for word in getattr(self, field).split(",") if word.strip()]


class MentorStep(models.Model):
    """One move through the pipeline: the status reached, when and by whom."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=MentorStatus.choices)
    moved_on = models.DateField()
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["moved_on", "id"]
        indexes = [models.Index(fields=["status", "moved_on"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.moved_on}"


class MentorReference(models.Model):
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="references")
    referee_name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=200, blank=True)
    received_on = models.DateField()
    satisfactory = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return self.referee_name


class TrainingModule(models.Model):
    """A part of mentor training; every active required module must be completed before a mentor
    can be active."""

    name = models.CharField(max_length=200, unique=True)
    required = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingCompletion(models.Model):
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="training")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["completed_on", "id"]
        constraints = [models.UniqueConstraint(fields=["mentor", "module"], name="one_completion_per_module")]

    def __str__(self) -> str:
        return f"{self.module} on {self.completed_on}"


class SupervisionNote(models.Model):
    """The coordinator's note of a supervision with a mentor (not shown to the mentor)."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="supervision_notes")
    held_on = models.DateField()
    note = models.TextField(max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on}"


# Referrals and the waiting list -------------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    PREPARATION = "preparation", "In preparation"
    MATCHED = "matched", "Matched"
    CLOSED = "closed", "Closed"


class MentoringReferralQuerySet(models.QuerySet["MentoringReferral"]):
    def visible_to(self, user: User | AnonymousUser) -> MentoringReferralQuerySet:
        if not user.is_authenticated:
            return self.none()
        visible = Q(agency_id__in=coordinated_agencies(user))
        if policy.has_role(user, *policy.EDITOR_ROLES):
            visible |= child_visible(user, "child")
        return self.filter(visible)

    def open(self) -> MentoringReferralQuerySet:
        return self.filter(status__in=(ReferralStatus.WAITING, ReferralStatus.PREPARATION))


class MentoringReferral(models.Model):
    """A young person referred to a mentoring network, waiting (or being prepared) to be matched."""

    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="mentoring_referrals")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="mentoring_referrals", help_text="Referred to."
    )
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referrer_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    referred_on = models.DateField(default=timezone.localdate)
    reason = models.TextField(max_length=3000)
    goals = models.TextField(max_length=3000)
    preferences = models.CharField(max_length=300, blank=True, help_text="For example, a male role model.")
    preferred_gender = models.CharField(max_length=50, blank=True)
    area = models.CharField(max_length=100, blank=True)
    interests = models.CharField(max_length=300, blank=True, help_text="Separated by commas.")
    languages = models.CharField(max_length=200, blank=True, help_text="Separated by commas.")
    preferred_name = models.CharField(max_length=100, blank=True)
    shared_note = models.TextField(
        max_length=3000, blank=True, help_text="What the mentor may know, chosen by the coordinator."
    )
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.WAITING)
    status_changed_on = models.DateField(default=timezone.localdate)
    preparation_started_on = models.DateField(null=True, blank=True)
    preparation_ended_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentoringReferralQuerySet.as_manager()

    class Meta:
        ordering = ["referred_on", "id"]
        indexes = [models.Index(fields=["agency", "status", "referred_on"])]

    def __str__(self) -> str:
        return f"Mentoring referral {self.pk}"

    def waiting_days(self, on: date | None = None) -> int:
        return ((on or timezone.localdate()) - self.referred_on).days


# Matches, sessions and concerns -------------------------------------------------------------------


class EndReason(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    DISENGAGED = "disengaged", "Young person disengaged"
    MENTOR_LEFT = "mentor_left", "Mentor left"
    MOVED_AWAY = "moved_away", "Moved away"
    OTHER = "other", "Other"


def mentees_granted(user: Any, field: str) -> Q:
    """Rows whose `field` is a child the user holds an access grant to: a mentoring match's own
    (scoped to mentoring) or a general one. Literal ids: a mentor has a handful."""
    general, _emergency = policy.granted_children(user)
    children = policy.scoped_children(user, GRANT_SCOPE) | general
    return Q(**{f"{field}__in": sorted(children)}) if children else policy.nothing()


def _mentor_sees_match(user: Any) -> Q:
    """A mentor's own active matches, for young people they can see through the match's grant."""
    return Q(mentor__user_id=user.pk, ended_on__isnull=True) & mentees_granted(user, "child")


class MatchQuerySet(models.QuerySet["Match"]):
    def visible_to(self, user: User | AnonymousUser) -> MatchQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(mentor__agency_id__in=coordinated_agencies(user)) | _mentor_sees_match(user))

    def active(self) -> MatchQuerySet:
        return self.filter(ended_on__isnull=True)


class Match(models.Model):
    """A mentor and a young person, from the start date until ended. While it lasts the mentor
    holds an access grant to that one young person."""

    referral = models.ForeignKey(MentoringReferral, on_delete=models.PROTECT, related_name="matches")
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="matches")
    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="mentoring_matches")
    started_on = models.DateField()
    suitability_notes = models.TextField(max_length=3000)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    access_grant = models.ForeignKey(
        "access.AccessGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField(max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "child"], condition=Q(ended_on__isnull=True), name="one_active_match_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="match_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Match {self.pk}"


class PlaceType(models.TextChoices):
    COMMUNITY_CENTRE = "community_centre", "Community or youth centre"
    SPORTS = "sports", "Sports ground or gym"
    CAFE = "cafe", "Café or food place"
    OUTDOORS = "outdoors", "Park or outdoors"
    SCHOOL = "school", "School or college"
    LIBRARY = "library", "Library"
    ONLINE = "online", "Online or phone"
    OTHER = "other", "Somewhere else"


class Mood(models.IntegerChoices):
    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    OK = 3, "OK"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


MAX_SESSION_MINUTES = 12 * 60


class MentoringSessionQuerySet(models.QuerySet["MentoringSession"]):
    def visible_to(self, user: User | AnonymousUser) -> MentoringSessionQuerySet:
        if not user.is_authenticated:
            return self.none()
        mine = Q(match__mentor__user_id=user.pk, match__ended_on__isnull=True) & mentees_granted(user, "match__child")
        return self.filter(Q(match__mentor__agency_id__in=coordinated_agencies(user)) | mine)


class MentoringSession(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    activity = models.CharField(max_length=200)
    place_type = models.CharField(max_length=30, choices=PlaceType.choices)
    attended = models.BooleanField()
    mood = models.PositiveSmallIntegerField(choices=Mood.choices, null=True, blank=True)
    note = models.TextField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MentoringSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["match", "-held_on"]), models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"Session on {self.held_on}"


class ConcernQuerySet(models.QuerySet["Concern"]):
    def visible_to(self, user: User | AnonymousUser) -> ConcernQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(match__mentor__agency_id__in=coordinated_agencies(user)) | Q(raised_by_id=user.pk))


class Concern(models.Model):
    """A worry a mentor raised about a young person: sent at once to the lead professional (a
    notification and a task) and into the young person's chronology."""

    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="concerns")
    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="mentoring_concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    what_happened = models.TextField(max_length=3000)
    event = models.ForeignKey(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey("interventions.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    told = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"Concern {self.pk}"
