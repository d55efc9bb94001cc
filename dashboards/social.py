"""The social factors profile of a group of children: for each of the six social factors of the
source document, the share of the group with it themselves and the share whose family has it,
counting what was recorded in the chosen period (not the scoring look-back window).

The same evidence the cohort engine scores (cohorts.services.scoring), dated in the period:
- themselves: an observation about the child with the factor's code, or a chronology event about
  the child of the individual indicator's event kinds;
- family: for a family the child belongs to, an observation about one of its adults, a family fact
  of that kind, a chronology event about the family of the family indicator's event kinds, or
  anything of the first kind about another child of the family (a brother or sister).

Set-based: five queries read the period's evidence once (for a whole city's young offenders, or
only for a group and its brothers and sisters) as distinct (child or family, code or event kind)
pairs, kept as one number per child or family whose bits are the factors; the group is then
counted in Python. One query with an EXISTS per child and factor made the young offenders'
profile take most of the refresh's ten seconds on the benchmark city."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, Q, QuerySet

from cases.models import Child, ChronologyEvent, FamilyFact, FamilyMember
from cohorts.models import IndicatorDefinition, Level, Observation
from dashboards import filters
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
BITS = {code: 1 << i for i, code in enumerate(SOCIAL_FACTORS)}


@dataclass
class Profile:
    size: int
    individual: dict[str, int]
    family: dict[str, int]

    def table(self, title: str, key: str = "social_factors") -> Table:
        rows = [Row(label, [self.individual[code], self.family[code]]) for code, label in SOCIAL_FACTORS.items()]
        return Table(
            key,
            title,
            ["Indicator", "Individual", "Families"],
            rows,
            of=self.size,
            chart=True,
            note=SMALL_GROUP_NOTES.get(
                self.size, f"Percentages of {self.size:,} children; observations dated in the period."
            ),
        )


# A group of none or one child has no percentages to show (those of one child describe that child).
SMALL_GROUP_NOTES = {
    0: "There are no children in this group in the period and area chosen.",
    1: "There is one child in this group: its percentages would describe that child, so none are shown.",
}


def event_kinds(level: str, codes: Any = SOCIAL_FACTORS) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {code: [] for code in codes}
    for code, listed in IndicatorDefinition.objects.filter(
        code__in=list(codes), level=level, is_active=True
    ).values_list("code", "event_kinds"):
        kinds[code] = [kind.strip() for kind in listed.split(",") if kind.strip()]
    return kinds


def has_itself(scope: Scope, code: str, kinds: list[str], child: Any) -> Q:
    """The child (`child`: an OuterRef to its id) has the indicator themselves in the period."""
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


def _kind_bits(level: str) -> dict[str, int]:
    """Event kind -> the factors (as bits) an event of that kind is evidence of at `level`."""
    found: dict[str, int] = {}
    for code, kinds in event_kinds(level).items():
        for kind in kinds:
            found[kind] = found.get(kind, 0) | BITS[code]
    return found


def _or_into(found: dict[int, int], rows: QuerySet[Any], subject: str, field: str, bits: dict[str, int]) -> None:
    """Add to `found` (subject id -> factors, as bits) the factors of `rows`, read as the distinct
    (subject, `field`) pairs whose `field` is evidence of a factor (`bits`)."""
    if bits:
        pairs = rows.filter(**{f"{field}__in": list(bits)}).order_by().values_list(subject, field).distinct()
        for subject_id, value in _fetch(pairs):
            found[subject_id] = found.get(subject_id, 0) | bits[value]


def _fetch(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query as the database driver gives them: tens of thousands of
    rows pass through Django's per-row machinery in about a second on the benchmark city."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list
        return []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class Evidence:
    """The social factors recorded in a period, as bits: each child's own, each family's through its
    adults, facts and events, and who belongs to which family."""

    own: dict[int, int]  # child id -> factors they have themselves
    household: dict[int, int]  # family id -> factors of its adults, facts and family events
    children_of: dict[int, list[int]]  # family id -> its children
    families_of: dict[int, list[int]]  # child id -> their families

    def family(self, child: int) -> int:
        """The factors a family of the child has: through the household or another of its children."""
        found = 0
        for family in self.families_of.get(child, ()):
            found |= self.household.get(family, 0)
            for other in self.children_of[family]:
                if other != child:
                    found |= self.own.get(other, 0)
        return found

    def with_factor(self, code: str) -> set[int]:
        return {child for child, bits in self.own.items() if bits & BITS[code]}

    def profile(self, group: Collection[int]) -> Profile:
        individual = dict.fromkeys(SOCIAL_FACTORS, 0)
        family = dict.fromkeys(SOCIAL_FACTORS, 0)
        for child in group:
            own, through_family = self.own.get(child, 0), self.family(child)
            for code, bit in BITS.items():
                individual[code] += bool(own & bit)
                family[code] += bool(through_family & bit)
        return Profile(len(group), individual, family)


def evidence(scope: Scope, children: Collection[int] | None = None) -> Evidence:
    """The evidence of the period: about every child and family, or (`children`) only what the
    profile of those children needs (them, their families and the families' other children)."""
    members = FamilyMember.objects.filter(child__isnull=False)
    if children is not None:
        members = members.filter(family_id__in=FamilyMember.objects.filter(child_id__in=children).values("family_id"))
    found = Evidence({}, {}, {}, {})
    for family, child in _fetch(members.order_by().values_list("family_id", "child_id")):
        found.children_of.setdefault(family, []).append(child)
        found.families_of.setdefault(child, []).append(family)

    observed = {"observed_on__gte": scope.start, "observed_on__lte": scope.end}
    occurred = {"occurred_on__gte": scope.start, "occurred_on__lte": scope.end}
    own_observations = Observation.objects.filter(child__isnull=False, **observed)
    own_events = ChronologyEvent.objects.filter(child__isnull=False, **occurred)
    adults = Observation.objects.filter(family__isnull=False, adult__isnull=False, **observed)
    family_events = ChronologyEvent.objects.filter(family__isnull=False, **occurred)
    facts = FamilyFact.objects.filter(noted_on__gte=scope.start, noted_on__lte=scope.end)
    if children is not None:
        relevant = {*children, *found.families_of}
        own_observations = own_observations.filter(child_id__in=relevant)
        own_events = own_events.filter(child_id__in=relevant)
        adults = adults.filter(family_id__in=found.children_of)
        family_events = family_events.filter(family_id__in=found.children_of)
        facts = facts.filter(family_id__in=found.children_of)

    _or_into(found.own, own_observations, "child_id", "indicator_code", BITS)
    _or_into(found.own, own_events, "child_id", "kind", _kind_bits(Level.INDIVIDUAL))
    _or_into(found.household, adults, "family_id", "indicator_code", BITS)
    _or_into(found.household, family_events, "family_id", "kind", _kind_bits(Level.FAMILY))
    _or_into(found.household, facts, "family_id", "kind", BITS)
    return found


def profile(group: QuerySet[Child] | Collection[int], scope: Scope) -> Profile:
    """The profile of a group of children (a queryset of children, or their ids) in the period."""
    ids = set(group.values_list("pk", flat=True)) if isinstance(group, QuerySet) else set(group)
    return evidence(scope, ids).profile(ids)


def indicator_profile(code: str, scope: Scope) -> Profile:
    """The profile of the children with a social factor themselves in the period (in the scope's
    area): one reading of the whole period's evidence, which also says who is in the group."""
    found = evidence(scope)
    placed = Child.objects.filter(filters.children_in(scope)).order_by().values_list("pk")
    return found.profile(found.with_factor(code) & {pk for (pk,) in _fetch(placed)})
