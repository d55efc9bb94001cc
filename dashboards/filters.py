"""The scope of a figure: a period, and optionally a police area and a local authority (areas app).

The one place that knows how a child, a context or an event is placed in an area (through its
neighbourhood), so the figures never name a field themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum

from areas.demographics import AgeBand, Ethnicity, Gender
from areas.models import BasePopulation, LocalAuthority, Neighbourhood, PoliceArea

ALL = ""
# Young people: the base population's age bands the cohort is drawn from.
YOUNG_AGE_BANDS = (AgeBand.AGE_10_13, AgeBand.AGE_14_15, AgeBand.AGE_16_17)


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    area: str = ALL  # a police area's id
    local_authority: str = ALL  # a local authority's id

    @property
    def previous_end(self) -> date:
        """The last day of the period before this one (the date tier movement is counted from)."""
        return self.start - timedelta(days=1)

    def key(self) -> str:
        return f"{self.start.isoformat()}|{self.end.isoformat()}|{self.area}|{self.local_authority}"

    def describe(self) -> str:
        where = [label for value, label in area_choices() if value and value == self.area]
        where += [label for value, label in local_authority_choices() if value and value == self.local_authority]
        return ", ".join(where) or "the whole partnership"


def area_choices() -> list[tuple[str, str]]:
    return [(ALL, "All police areas"), *((str(pk), name) for pk, name in PoliceArea.objects.values_list("pk", "name"))]


def local_authority_choices() -> list[tuple[str, str]]:
    found = LocalAuthority.objects.values_list("pk", "name")
    return [(ALL, "All local authorities"), *((str(pk), name) for pk, name in found)]


def _placed(scope: Scope, prefix: str) -> Q:
    found = Q()
    if scope.area:
        found &= Q(**{f"{prefix}neighbourhood__police_area_id": scope.area})
    if scope.local_authority:
        found &= Q(**{f"{prefix}neighbourhood__local_authority_id": scope.local_authority})
    return found


def neighbourhoods_in(scope: Scope) -> list[int] | None:
    """The neighbourhoods of the scope's police area and local authority; None for the whole partnership."""
    if not scope.area and not scope.local_authority:
        return None
    placed = Neighbourhood.objects.all()
    if scope.area:
        placed = placed.filter(police_area_id=scope.area)
    if scope.local_authority:
        placed = placed.filter(local_authority_id=scope.local_authority)
    return list(placed.values_list("pk", flat=True))


def children_in(scope: Scope, prefix: str = "") -> Q:
    """Children (through `prefix`, e.g. "child__") placed in the scope's police area and local authority."""
    return _placed(scope, prefix)


def contexts_in(scope: Scope, prefix: str = "") -> Q:
    return _placed(scope, prefix)


def families_in(scope: Scope, prefix: str = "") -> Q:
    return _placed(scope, prefix)


# Where a child's police area, gender and ethnicity are read from, and their labels.
CHILD_AREA = "neighbourhood__police_area__name"
CHILD_GENDER = "gender"
CHILD_ETHNICITY = "ethnicity"
LABELS = {CHILD_GENDER: dict(Gender.choices), CHILD_ETHNICITY: dict(Ethnicity.choices)}


def base_population(scope: Scope, field: str) -> dict[str, int]:
    """Young people (10 to 17) living in the scope's area, by gender or ethnicity (label -> count);
    empty when no figures are held."""
    rows = (
        BasePopulation.objects.filter(_placed(scope, ""), age_band__in=YOUNG_AGE_BANDS)
        .values_list(field)
        .annotate(n=Sum("count"))
        .values_list(field, "n")
    )
    return {LABELS[field].get(value, value): n for value, n in rows}
