"""Police-only records: persons of concern, disruption and graded intelligence.

Partners never see these. A police officer may share a sanitised summary of intelligence, which
becomes a partner-visible entry in the child's chronology; the original stays police-only."""

from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from access import policy
from cases.models.common import VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


_M = TypeVar("_M", bound=models.Model)


class PoliceOnlyQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: "User | AnonymousUser") -> "PoliceOnlyQuerySet[_M]":
        return self if policy.is_police(user) else self.none()


class PersonOfConcern(VersionedModel):
    """An adult suspected of exploiting children."""

    reference = models.CharField(max_length=20, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    known_as = models.CharField(max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    children = models.ManyToManyField("cases.Child", related_name="+", blank=True)
    locations = models.ManyToManyField("cases.Context", related_name="+", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PoliceOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "persons of concern"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class DisruptionKind(models.TextChoices):
    CAWN = "cawn", "Child abduction warning notice"
    CLOSURE_NOTICE = "closure_notice", "Closure notice"
    ARREST = "arrest", "Arrest"
    STOP_AND_SEARCH = "stop_and_search", "Stop and search"
    LICENSING_VISIT = "licensing_visit", "Licensing visit"
    HOTEL_VISIT = "hotel_visit", "Hotel visit"
    WARRANT = "warrant", "Warrant"
    OTHER = "other", "Other"


class DisruptionAction(models.Model):
    """Action against a person of concern or a location (a context of kind location)."""

    kind = models.CharField(max_length=20, choices=DisruptionKind.choices)
    person = models.ForeignKey(
        PersonOfConcern, null=True, blank=True, on_delete=models.PROTECT, related_name="disruptions"
    )
    location = models.ForeignKey(
        "cases.Context",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "location"},
    )
    child = models.ForeignKey(
        "cases.Child",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The child a warning notice protects.",
    )
    taken_on = models.DateField()
    outcome = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PoliceOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(location__isnull=False), name="disruption_has_a_target"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cawn") | Q(person__isnull=False, child__isnull=False),
                name="cawn_names_person_and_child",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.taken_on}"


class SourceEvaluation(models.TextChoices):
    RELIABLE = "1", "1 – Reliable"
    UNTESTED = "2", "2 – Untested"
    NOT_RELIABLE = "3", "3 – Not reliable"


class IntelligenceAssessment(models.TextChoices):
    KNOWN_DIRECTLY = "A", "A – Known directly to the source"
    KNOWN_INDIRECTLY = "B", "B – Known indirectly, corroborated"
    KNOWN_INDIRECTLY_UNCORROBORATED = "C", "C – Known indirectly, not corroborated"
    NOT_KNOWN = "D", "D – Not known"
    SUSPECTED_FALSE = "E", "E – Suspected to be false"


class HandlingCode(models.TextChoices):
    LAWFUL_SHARING = "P", "P – Lawful sharing permitted"
    CONDITIONS = "C", "C – Lawful sharing permitted with conditions"


class IntelligenceReport(models.Model):
    """Graded with the 3x5x2 model. Police-only."""

    reference = models.CharField(max_length=20, unique=True)
    received_on = models.DateField()
    source_evaluation = models.CharField(max_length=1, choices=SourceEvaluation.choices)
    assessment = models.CharField(max_length=1, choices=IntelligenceAssessment.choices)
    handling_code = models.CharField(max_length=1, choices=HandlingCode.choices)
    handling_conditions = models.CharField(max_length=500, blank=True)
    text = models.TextField(max_length=10000)
    children = models.ManyToManyField("cases.Child", related_name="+", blank=True)
    persons = models.ManyToManyField(PersonOfConcern, related_name="intelligence", blank=True)
    contexts = models.ManyToManyField("cases.Context", related_name="+", blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PoliceOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(handling_code="C") | ~Q(handling_conditions=""), name="intelligence_conditions_stated"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class IntelligenceShare(models.Model):
    """A sanitised summary a police officer chose to share; it appears in the children's chronologies."""

    report = models.ForeignKey(IntelligenceReport, on_delete=models.PROTECT, related_name="shares")
    summary = models.CharField(max_length=500)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)
    events = models.ManyToManyField("cases.ChronologyEvent", related_name="+")

    objects = PoliceOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-shared_at", "-id"]

    def __str__(self) -> str:
        return f"Share of {self.report_id}"
