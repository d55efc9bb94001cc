"""Outreach and group work: training and awareness events, establishments and their engagement
history, door-to-door campaigns, and group sessions with registers.

Events, establishments and campaigns belong to the outreach officer's agency (its outreach officers
and managers see them); groups and sessions belong to the agency that runs them (its group workers
see them). A register row is shown only to those who may see the young person it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access import policy
from cases import visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

MAX_HEADCOUNT = 100_000
MAX_HOUSEHOLDS = 100_000
# Each record may name a neighbourhood from the system-wide list (areas app), as children, families
# and contexts do; none when it has no one place (force-wide training, an online session).
NO_AREA = "No particular area"


def _agency_owned(user: User | AnonymousUser, roles: frozenset[str], field: str = "agency_id") -> Q:
    agencies = policy.agencies_where(user, roles)
    return Q(**{f"{field}__in": agencies}) if agencies else policy.nothing()


# Outreach events --------------------------------------------------------------------------------


class Activity(models.TextChoices):
    TRAINING = "training", "Training"
    AWARENESS = "awareness", "Awareness raising"


class AudienceType(models.TextChoices):
    NON_POLICE_PROFESSIONALS = "non_police_professionals", "Non-police professionals"
    NIGHT_TIME_ECONOMY = "night_time_economy", "Night-time economy workers and venue owners"
    SCHOOL_STUDENTS = "school_students", "School students"
    SCHOOL_SAFEGUARDING_LEADS = "school_safeguarding_leads", "School safeguarding leads"
    CHILDRENS_HOME_STAFF = "childrens_home_staff", "Residential children's home staff"
    HOTEL_STAFF = "hotel_staff", "Hotel staff"
    TAXI_DRIVERS = "taxi_drivers", "Taxi drivers"
    HEALTH_STAFF = "health_staff", "Health staff"
    COMMUNITY_FAITH = "community_faith", "Community and faith groups"
    PARENTS_CARERS = "parents_carers", "Parents and carers"
    OTHER = "other", "Other"


class EventStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DELIVERED = "delivered", "Delivered"


class OutreachEventQuerySet(models.QuerySet["OutreachEvent"]):
    def visible_to(self, user: User | AnonymousUser) -> OutreachEventQuerySet:
        return self.filter(_agency_owned(user, policy.OUTREACH_ROLES))

    def delivered(self) -> OutreachEventQuerySet:
        return self.filter(status=EventStatus.DELIVERED)


class OutreachEvent(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(max_length=20, choices=Activity.choices)
    audience = models.CharField("audience type", max_length=40, choices=AudienceType.choices)
    organisation = models.CharField("establishment or organisation", max_length=200)
    establishment = models.ForeignKey(
        "outreach.Establishment", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    area = models.ForeignKey("areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("date")
    headcount = models.PositiveIntegerField(
        validators=[
            MinValueValidator(1, "The number of people must be at least 1"),
            MaxValueValidator(MAX_HEADCOUNT, "The number of people must be 100,000 or fewer"),
        ]
    )
    delivered_by = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED)
    intelligence_submitted = models.BooleanField(default=False)
    # Police-only: the record is shown (and may be linked) only to police officers.
    intelligence = models.ForeignKey(
        "interventions.IntelligenceReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referrals_made = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_HEADCOUNT, "The number of referrals must be 100,000 or fewer")]
    )
    notes = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutreachEventQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["agency", "held_on"]), models.Index(fields=["held_on", "area"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(headcount__gte=1, headcount__lte=MAX_HEADCOUNT), name="outreach_event_headcount_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()} for {self.get_audience_display()}, {self.held_on}"

    def clean(self) -> None:
        if self.status == EventStatus.DELIVERED and self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": "An event in the future cannot be recorded as delivered"})
        if self.referrals_made and self.status != EventStatus.DELIVERED:
            raise ValidationError({"referrals_made": "Referrals can only be recorded for a delivered event"})


# Establishments ---------------------------------------------------------------------------------


class EstablishmentKind(models.TextChoices):
    VENUE = "venue", "Venue (pub, club, bar)"
    HOTEL = "hotel", "Hotel"
    CHILDRENS_HOME = "childrens_home", "Children's home"
    SCHOOL = "school", "School"
    OTHER = "other", "Other"


class ProviderType(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    INDEPENDENT = "independent", "Independent"


class EngagementOutcome(models.TextChoices):
    CONTACTED = "contacted", "Contacted"
    ENGAGED = "engaged", "Engaged"
    TRAINED = "trained", "Trained"
    DECLINED = "declined", "Declined"
    NO_RESPONSE = "no_response", "No response"


# Outcomes that count as the establishment having engaged.
ENGAGED_OUTCOMES = (EngagementOutcome.ENGAGED, EngagementOutcome.TRAINED)


class EstablishmentQuerySet(models.QuerySet["Establishment"]):
    def visible_to(self, user: User | AnonymousUser) -> EstablishmentQuerySet:
        return self.filter(_agency_owned(user, policy.OUTREACH_ROLES))

    def not_yet_engaged(self) -> EstablishmentQuerySet:
        """No engagement or training on record yet: the outreach officer's plan."""
        engaged = EngagementRecord.objects.filter(establishment=models.OuterRef("pk"), outcome__in=ENGAGED_OUTCOMES)
        return self.exclude(models.Exists(engaged))

    def with_latest_engagement(self) -> EstablishmentQuerySet:
        latest = EngagementRecord.objects.filter(establishment=models.OuterRef("pk")).order_by("-occurred_on", "-id")
        return self.annotate(
            latest_outcome=models.Subquery(latest.values("outcome")[:1]),
            latest_on=models.Subquery(latest.values("occurred_on")[:1]),
            follow_up_on=models.Subquery(latest.values("follow_up_on")[:1]),
        )


class Establishment(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EstablishmentKind.choices)
    provider_type = models.CharField(max_length=20, choices=ProviderType.choices, blank=True)
    area = models.ForeignKey("areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["agency", "area", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == EstablishmentKind.CHILDRENS_HOME and not self.provider_type:
            raise ValidationError({"provider_type": "Choose whether the children's home is run by the local authority"})
        if self.kind != EstablishmentKind.CHILDRENS_HOME and self.provider_type:
            raise ValidationError({"provider_type": "A provider type is only recorded for a children's home"})


class EngagementRecordQuerySet(models.QuerySet["EngagementRecord"]):
    def visible_to(self, user: User | AnonymousUser) -> EngagementRecordQuerySet:
        return self.filter(_agency_owned(user, policy.OUTREACH_ROLES, "establishment__agency_id"))


class EngagementRecord(models.Model):
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="engagements")
    outcome = models.CharField(max_length=20, choices=EngagementOutcome.choices)
    occurred_on = models.DateField("date")
    follow_up_on = models.DateField("follow up by", null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EngagementRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["establishment", "-occurred_on"]), models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.occurred_on}"


# Door-to-door -----------------------------------------------------------------------------------


class DoorToDoorQuerySet(models.QuerySet["DoorToDoorCampaign"]):
    def visible_to(self, user: User | AnonymousUser) -> DoorToDoorQuerySet:
        return self.filter(_agency_owned(user, policy.OUTREACH_ROLES))


class DoorToDoorCampaign(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    streets = models.TextField("streets or postcode sectors", max_length=2000)
    started_on = models.DateField("start date")
    ended_on = models.DateField("end date")
    households_reached = models.PositiveIntegerField(
        validators=[MaxValueValidator(MAX_HOUSEHOLDS, "The number of households must be 100,000 or fewer")]
    )
    concerns = models.TextField("concerns raised", blank=True, max_length=5000)
    actions = models.TextField("what was done with them", blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DoorToDoorQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__gte=models.F("started_on")), name="door_to_door_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Door-to-door in {self.area or NO_AREA.lower()}, {self.started_on}"

    def clean(self) -> None:
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "The end date must be the same as or after the start date"})
        if self.started_on and self.started_on > timezone.localdate():
            raise ValidationError({"started_on": "The start date must be today or in the past"})


# Group work -------------------------------------------------------------------------------------


class GroupQuerySet(models.QuerySet["Group"]):
    def visible_to(self, user: User | AnonymousUser) -> GroupQuerySet:
        return self.filter(_agency_owned(user, policy.GROUP_WORK_ROLES))


class Group(models.Model):
    """Targeted group work with a context the partnership holds (a named peer group, a young
    women's group, a group for Gypsy, Roma and Traveller young people)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    context = models.ForeignKey("cases.Context", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    area = models.ForeignKey("areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True, max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "context"], name="one_group_per_agency_context")]

    def __str__(self) -> str:
        return self.name


class GroupSessionQuerySet(models.QuerySet["GroupSession"]):
    def visible_to(self, user: User | AnonymousUser) -> GroupSessionQuerySet:
        return self.filter(_agency_owned(user, policy.GROUP_WORK_ROLES, "group__agency_id"))


class GroupSession(models.Model):
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField("date")
    activity = models.CharField(max_length=200)
    duration_minutes = models.PositiveIntegerField(
        "duration in minutes",
        validators=[
            MinValueValidator(1, "The session must last at least 1 minute"),
            MaxValueValidator(720, "A session must last 12 hours (720 minutes) or less"),
        ],
    )
    notes = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["group", "-held_on"]), models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"{self.group} on {self.held_on}"

    def clean(self) -> None:
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": "The date must be today or in the past"})


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def visible_to(self, user: User | AnonymousUser) -> AttendanceQuerySet:
        """A register row names a young person: only those who run the group and may see them."""
        return self.filter(
            _agency_owned(user, policy.GROUP_WORK_ROLES, "session__group__agency_id"),
            visibility.child_visible(user, "child"),
        )


class Attendance(models.Model):
    """One young person on a session's register, with the chronology entry it made."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendances")
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        "cases.ChronologyEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "child"], name="one_attendance_per_session")]
        indexes = [models.Index(fields=["child", "session"])]

    def __str__(self) -> str:
        return f"{self.child_id} at {self.session_id}"
