"""Areas as a managed list kept by the system administrator: local authorities, police areas and
the neighbourhoods within them (each neighbourhood lies in one local authority and one police area;
a police area may cross local authority boundaries). Children, families, contexts and outreach work
are placed in a neighbourhood. The base population per neighbourhood, age band, gender and ethnicity
gives the rates the dashboards and fairness monitoring compare against. Areas are configuration,
not about anyone: every signed-in user may read them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar

from django.db import models

from areas.demographics import AgeBand, Ethnicity, Gender

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


_Place = TypeVar("_Place", bound=models.Model)


class PlaceQuerySet(models.QuerySet[_Place]):
    def active(self) -> Self:
        return self.filter(is_active=True)

    def visible_to(self, user: User | AnonymousUser) -> Self:
        return self if user.is_authenticated else self.none()


class LocalAuthorityQuerySet(PlaceQuerySet["LocalAuthority"]):
    pass


class PoliceAreaQuerySet(PlaceQuerySet["PoliceArea"]):
    pass


class NeighbourhoodQuerySet(PlaceQuerySet["Neighbourhood"]):
    pass


class LocalAuthority(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.CharField("ONS code", max_length=9, blank=True, help_text="For example E06000023.")
    is_active = models.BooleanField(default=True)

    objects = LocalAuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class PoliceArea(models.Model):
    """A local police area (neighbourhood policing area); it may take in neighbourhoods of several
    local authorities."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)

    objects = PoliceAreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Neighbourhood(models.Model):
    name = models.CharField(max_length=100)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="neighbourhoods")
    police_area = models.ForeignKey(PoliceArea, on_delete=models.PROTECT, related_name="neighbourhoods")
    is_active = models.BooleanField(default=True)

    objects = NeighbourhoodQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["local_authority", "name"], name="unique_neighbourhood_in_authority")
        ]

    def __str__(self) -> str:
        return self.name


class BasePopulation(models.Model):
    """How many people of an age band, gender and ethnicity live in a neighbourhood (for example from
    the census or the mid-year estimates): the denominator of rates."""

    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.CASCADE, related_name="population")
    age_band = models.CharField(max_length=5, choices=AgeBand.choices)
    gender = models.CharField(max_length=20, choices=Gender.choices)
    ethnicity = models.CharField(max_length=30, choices=Ethnicity.choices)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["neighbourhood", "age_band", "gender", "ethnicity"]
        verbose_name_plural = "base population"
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "age_band", "gender", "ethnicity"], name="one_base_population_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.neighbourhood}: {self.age_band}, {self.gender}, {self.ethnicity}"


class UnmappedField(models.TextChoices):
    GENDER = "gender", "Gender"
    ETHNICITY = "ethnicity", "Ethnicity"
    AREA = "area", "Area"


class UnmappedValue(models.Model):
    """A value recorded as free text (by an older record, a data feed) that could not be mapped to
    a code or an area: the record was given "Not recorded" (or no area), and an administrator reviews
    the list, corrects the records and marks the value reviewed. One row per field, value and source."""

    field = models.CharField(max_length=20, choices=UnmappedField.choices)
    value = models.CharField(max_length=200)
    source = models.CharField(max_length=100, help_text="Where it was found, for example a feed or 'cases.Child'.")
    records = models.PositiveIntegerField(default=0, help_text="How many records carried it.")
    example = models.CharField(max_length=50, blank=True, help_text="A reference of one record that carried it.")
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    reviewed = models.BooleanField(default=False)

    class Meta:
        ordering = ["reviewed", "field", "value"]
        constraints = [models.UniqueConstraint(fields=["field", "value", "source"], name="one_unmapped_value")]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.value!r} ({self.source})"
