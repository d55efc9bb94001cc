"""The social factors profile of a group of children: for each of the six social factors of the
source document, the share of the group with it themselves and the share whose family has it,
counting what was recorded in the chosen period (not the scoring look-back window).

The same evidence the cohort engine scores (cohorts.services.scoring), dated in the period:
- themselves: an observation about the child with the factor's code, or a chronology event about
  the child of the individual indicator's event kinds;
- family: for a family the child belongs to, an observation about one of its adults, a family fact
  of that kind, a chronology event about the family of the family indicator's event kinds, or
  anything of the first kind about another child of the family (a brother or sister).

Set-based: one query whatever the size of the group, each counting the group's
children with an EXISTS per factor, so a group of 40,000 costs what the database's indexes allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.models import Child, ChronologyEvent, FamilyFact, FamilyMember
from cohorts.models import IndicatorDefinition, Level, Observation
from dashboards.filters import Scope
from dashboards.tables import Row, Table

# The source document's table, in its order: code -> its label there.
SOCIAL_FACTORS = {
    "crime": "Crime",
    "school_attendance": "School attendance",
    "children_needing_help": "Children needing help",
    "financial_exclusion": "Financial exclusion",
    "domestic_abuse": "Domestic abuse",
    "health": "Health",
}


@dataclass
class Profile:
    size: int
    individual: dict[str, int]
    family: dict[str, int]

    def table(self, title: str) -> Table:
        rows = [Row(label, [self.individual[code], self.family[code]]) for code, label in SOCIAL_FACTORS.items()]
        return Table(
            "social_factors",
            title,
            ["Indicator", "Individual", "Families"],
            rows,
            of=self.size,
            chart=True,
            note=f"Percentages of {self.size} children; observations dated in the period.",
        )


def event_kinds(level: str, codes: Any = SOCIAL_FACTORS) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {code: [] for code in codes}
    for code, listed in IndicatorDefinition.objects.filter(
        code__in=list(codes), level=level, is_active=True
    ).values_list("code", "event_kinds"):
        kinds[code] = [kind.strip() for kind in listed.split(",") if kind.strip()]
    return kinds


def has_itself(scope: Scope, code: str, kinds: list[str], child: Any) -> Q:
    """The child (`child`: an OuterRef to its id) has the factor themselves in the period."""
    found = Q(
        Exists(
            Observation.objects.filter(
                child_id=child, indicator_code=code, observed_on__gte=scope.start, observed_on__lte=scope.end
            )
        )
    )
    if kinds:
        found |= Q(
            Exists(
                ChronologyEvent.objects.filter(
                    child_id=child, kind__in=kinds, occurred_on__gte=scope.start, occurred_on__lte=scope.end
                )
            )
        )
    return found


def _family_has(scope: Scope, code: str, kinds: list[str], sibling_kinds: list[str]) -> Q:
    """A family of the child (OuterRef "pk") has the factor: through an adult, a family fact, a
    family event or another of its children."""
    family = OuterRef("family_id")
    dated = {"observed_on__gte": scope.start, "observed_on__lte": scope.end}
    through = Q(Exists(Observation.objects.filter(family_id=family, adult__isnull=False, indicator_code=code, **dated)))
    through |= Q(
        Exists(
            FamilyFact.objects.filter(family_id=family, kind=code, noted_on__gte=scope.start, noted_on__lte=scope.end)
        )
    )
    if kinds:
        through |= Q(
            Exists(
                ChronologyEvent.objects.filter(
                    family_id=family, kind__in=kinds, occurred_on__gte=scope.start, occurred_on__lte=scope.end
                )
            )
        )
    siblings = FamilyMember.objects.filter(family_id=OuterRef("family_id"), child__isnull=False).exclude(
        child_id=OuterRef("child_id")
    )
    through |= Q(Exists(siblings.filter(has_itself(scope, code, sibling_kinds, OuterRef("child_id")))))
    return Q(Exists(FamilyMember.objects.filter(through, child_id=OuterRef("pk"))))


def profile(group: QuerySet[Child] | list[int], scope: Scope) -> Profile:
    """The profile of a group of children (a queryset of children, or their ids) in the period."""
    children = Child.objects.filter(pk__in=group) if isinstance(group, list) else group
    individual_kinds, family_kinds = event_kinds(Level.INDIVIDUAL), event_kinds(Level.FAMILY)
    counted = children.aggregate(
        size=Count("pk"),
        **{
            f"i_{code}": Count("pk", filter=has_itself(scope, code, individual_kinds[code], OuterRef("pk")))
            for code in SOCIAL_FACTORS
        },
        **{
            f"f_{code}": Count("pk", filter=_family_has(scope, code, family_kinds[code], individual_kinds[code]))
            for code in SOCIAL_FACTORS
        },
    )
    return Profile(
        counted["size"],
        {code: counted[f"i_{code}"] for code in SOCIAL_FACTORS},
        {code: counted[f"f_{code}"] for code in SOCIAL_FACTORS},
    )
