"""The social factors profile of a group of children: for each of the six social factors of the
source document, the share of the group with it themselves and the share whose family has it,
counting what was recorded in the chosen period (not the scoring look-back window).

The same evidence the cohort engine scores (cohorts.services.scoring), dated in the period:
- themselves: an observation about the child with the factor's code, or a chronology event about
  the child of the individual indicator's event kinds;
- family: for a family the child belongs to, an observation about one of its adults, a family fact
  of that kind, a chronology event about the family of the family indicator's event kinds, or
  anything of the first kind about another child of the family (a brother or sister)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from cases.models import ChronologyEvent, FamilyFact, FamilyMember
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


def _event_kinds(level: str) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {code: [] for code in SOCIAL_FACTORS}
    for code, listed in IndicatorDefinition.objects.filter(
        code__in=SOCIAL_FACTORS, level=level, is_active=True
    ).values_list("code", "event_kinds"):
        kinds[code] = [kind.strip() for kind in listed.split(",") if kind.strip()]
    return kinds


def individual_hits(children: list[int], scope: Scope, code: str, kinds: list[str]) -> set[int]:
    dated = {"observed_on__gte": scope.start, "observed_on__lte": scope.end}
    found = set(
        Observation.objects.filter(child_id__in=children, indicator_code=code, **dated).values_list(
            "child_id", flat=True
        )
    )
    if kinds:
        found |= set(
            ChronologyEvent.objects.filter(
                child_id__in=children, kind__in=kinds, occurred_on__gte=scope.start, occurred_on__lte=scope.end
            ).values_list("child_id", flat=True)
        )
    return found


def profile(children: list[int], scope: Scope) -> Profile:
    """The profile of `children` (ids) in the scope's period. Eighteen small queries at most."""
    members = list(FamilyMember.objects.filter(child_id__in=children).values_list("family_id", "child_id"))
    families = sorted({family for family, _child in members})
    siblings = list(
        FamilyMember.objects.filter(family_id__in=families, child__isnull=False).values_list("family_id", "child_id")
    )
    sibling_ids = sorted({child for _family, child in siblings})
    individual_kinds, family_kinds = _event_kinds(Level.INDIVIDUAL), _event_kinds(Level.FAMILY)
    individual: dict[str, int] = {}
    family: dict[str, int] = {}
    for code in SOCIAL_FACTORS:
        themselves = individual_hits(sorted(set(children) | set(sibling_ids)), scope, code, individual_kinds[code])
        individual[code] = len(themselves & set(children))
        flagged = set(
            Observation.objects.filter(
                family_id__in=families,
                adult__isnull=False,
                indicator_code=code,
                observed_on__gte=scope.start,
                observed_on__lte=scope.end,
            ).values_list("family_id", flat=True)
        )
        flagged |= set(
            FamilyFact.objects.filter(
                family_id__in=families, kind=code, noted_on__gte=scope.start, noted_on__lte=scope.end
            ).values_list("family_id", flat=True)
        )
        if family_kinds[code]:
            flagged |= set(
                ChronologyEvent.objects.filter(
                    Q(family_id__in=families),
                    kind__in=family_kinds[code],
                    occurred_on__gte=scope.start,
                    occurred_on__lte=scope.end,
                ).values_list("family_id", flat=True)
            )
        having: dict[int, set[int]] = {}  # family -> its children who have it themselves
        for family_id, child in siblings:
            if child in themselves:
                having.setdefault(family_id, set()).add(child)
        has_it = {
            child for family_id, child in members if family_id in flagged or having.get(family_id, set()) - {child}
        }
        family[code] = len(has_it)
    return Profile(len(children), individual, family)
