"""The scope of a figure: a period, and optionally a police area and a local authority.

The one place that knows how a child, a context or an event is placed in an area, so the figures
never name a field themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

ALL = ""


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    area: str = ALL
    local_authority: str = ALL

    @property
    def previous_end(self) -> date:
        """The last day of the period before this one (the date tier movement is counted from)."""
        return self.start - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def key(self) -> str:
        return f"{self.start.isoformat()}|{self.end.isoformat()}|{self.area}|{self.local_authority}"

    def describe(self) -> str:
        where = [label for value, label in area_choices() if value and value == self.area]
        where += [label for value, label in local_authority_choices() if value and value == self.local_authority]
        return ", ".join(where) or "the whole partnership"


def area_choices() -> list[tuple[str, str]]:
    """The police areas children are placed in, for the area filter."""
    from cases.models import Child

    names = Child.objects.exclude(area="").order_by("area").values_list("area", flat=True).distinct()
    return [(ALL, "All areas"), *((name, name) for name in names)]


def local_authority_choices() -> list[tuple[str, str]]:
    return [(ALL, "All local authorities")]


def children_in(scope: Scope, prefix: str = "") -> Q:
    """Children (through `prefix`, e.g. "child__") placed in the scope's area."""
    found = Q()
    if scope.area:
        found &= Q(**{f"{prefix}area": scope.area})
    return found


def contexts_in(scope: Scope, prefix: str = "") -> Q:
    found = Q()
    if scope.area:
        found &= Q(**{f"{prefix}area": scope.area})
    return found


# The field a child's police area is read from, for the breakdown by area.
CHILD_AREA = "area"
CHILD_GENDER = "gender"
CHILD_ETHNICITY = "ethnicity"


def base_population(_scope: Scope, _field: str) -> dict[str, int]:
    """Young people living in the scope's area, by gender or ethnicity (empty: no figures held)."""
    return {}
