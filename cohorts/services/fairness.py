"""Fairness monitoring: are suggestions and tiers spread across groups of children in proportion to
the children the partnership works with?

How the figures are made (this text is also shown on the fairness page):
- Base population: every open child record (status open), partnership-wide. Closed records are
  left out of every count, so each rate is a share of the same base.
- Suggested: open children whose current published suggestion has a tier (the chain of the latest
  published full run and the incremental runs on top; children below the threshold are not counted).
- In a tier: open children with a current tier decided by a panel (ChildTier).
- Groups: the high-level ethnic group of the 2021 census, gender and neighbourhood as recorded on
  the child's record ("Not recorded" when none), and age band on the day the page is opened (today):
  under 10, 10 to 13, 14 to 15, 16 to 17, 18 and over.
- Rate = children in the group suggested (or in a tier) / children in the group.
  Disproportionality ratio = group rate / overall rate. A ratio outside 0.8 to 1.25 is flagged
  (0.8 and 1.25 themselves are not).
- Too few to judge: a group with fewer than 10 children, or where fewer than 5 would be expected
  at the overall rate (group size x overall rate), is shown with its counts but not flagged: with
  so few children one child more or less swings the ratio across the line. When nobody is
  suggested at all there is no overall rate and no ratio.

Aggregates only, no names: one GROUP BY query over the four dimensions together (plus two to find
the published runs), whatever the number of children."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from areas.demographics import EthnicGroup, Gender
from cases.models import Child
from cases.models.children import ChildStatus
from cohorts.models import ChildTier, CurrentSuggestion

LOW = Fraction(4, 5)
HIGH = Fraction(5, 4)
MIN_GROUP = 10
MIN_EXPECTED = 5
NOT_RECORDED = "Not recorded"

# (label, minimum age in whole years); the band runs up to the next one's minimum.
AGE_BANDS = (("Under 10", 0), ("10 to 13", 10), ("14 to 15", 14), ("16 to 17", 16), ("18 and over", 18))

OK = "ok"
OUTSIDE = "outside"
TOO_FEW = "too_few"
NO_RATE = "no_rate"


def years_before(day: date, years: int) -> date:
    """The latest date of birth at which someone is `years` old on `day` (29 February -> 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band_expression(as_of: date) -> Case:
    whens = [
        When(date_of_birth__lte=years_before(as_of, minimum), then=Value(label))
        for label, minimum in reversed(AGE_BANDS)
        if minimum > 0
    ]
    return Case(*whens, default=Value(AGE_BANDS[0][0]), output_field=CharField())


def ethnic_group_expression() -> Case:
    """The census's high-level group of the child's ethnicity code (the code's prefix)."""
    whens = [
        When(ethnicity__startswith=f"{group}_", then=Value(group))
        for group in EthnicGroup.values
        if group not in (EthnicGroup.NOT_RECORDED, EthnicGroup.PREFERS_NOT_TO_SAY)
    ]
    return Case(*whens, default=F("ethnicity"), output_field=CharField())


# The label shown for each coded group value.
LABELS: dict[str, dict[str, str]] = {"ethnicity": dict(EthnicGroup.choices), "gender": dict(Gender.choices)}


DIMENSIONS = (
    ("ethnicity", "Ethnicity"),
    ("gender", "Gender"),
    ("age_band", "Age band"),
    ("area", "Neighbourhood"),
)


@dataclass
class Measure:
    count: int
    rate: Fraction | None
    ratio: Fraction | None
    status: str

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else round(float(self.rate) * 100, 1)

    @property
    def ratio_display(self) -> float | None:
        return None if self.ratio is None else round(float(self.ratio), 2)

    @property
    def flagged(self) -> bool:
        return self.status == OUTSIDE


@dataclass
class Group:
    value: str
    base: int
    suggested: Measure
    tiered: Measure


@dataclass
class Dimension:
    key: str
    label: str
    groups: list[Group] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(group.suggested.flagged + group.tiered.flagged for group in self.groups)


@dataclass
class FairnessReport:
    as_of: date
    base: int
    suggested: int
    tiered: int
    suggested_rate: Fraction | None
    tiered_rate: Fraction | None
    dimensions: list[Dimension]

    @property
    def flagged(self) -> int:
        return sum(dimension.flagged for dimension in self.dimensions)


def measure(count: int, base: int, overall: Fraction | None) -> Measure:
    rate = Fraction(count, base) if base else None
    if rate is None or overall is None or overall == 0:
        return Measure(count, rate, None, NO_RATE)
    ratio = rate / overall
    if base < MIN_GROUP or base * overall < MIN_EXPECTED:
        return Measure(count, rate, ratio, TOO_FEW)
    return Measure(count, rate, ratio, OUTSIDE if ratio < LOW or ratio > HIGH else OK)


def base_population() -> QuerySet[Child]:
    return Child.objects.filter(status=ChildStatus.OPEN)


def _annotated(as_of: date) -> QuerySet[Child]:
    # The stored current suggestions (kept by each run's publication): no recomputation here.
    suggested = CurrentSuggestion.objects.filter(child=OuterRef("pk")).exclude(tier="")
    tiered = ChildTier.objects.filter(child=OuterRef("pk"))
    return base_population().annotate(
        is_suggested=Exists(suggested),
        is_tiered=Exists(tiered),
        ethnicity_group=ethnic_group_expression(),
        gender_group=F("gender"),
        area_group=Coalesce("neighbourhood__name", Value(NOT_RECORDED), output_field=CharField()),
        age_band_group=age_band_expression(as_of),
    )


def fairness_report(as_of: date | None = None) -> FairnessReport:
    """Rates and ratios per group for each dimension. Three queries whatever the number of
    children: the published runs (two), then one GROUP BY over the combination of the four
    dimensions, from which each dimension's groups are summed (a few thousand rows at most)."""
    as_of = as_of or timezone.localdate()
    keys = [key for key, _label in DIMENSIONS]
    combinations = (
        _annotated(as_of)
        .order_by()
        .values(*(f"{key}_group" for key in keys))
        .annotate(
            base=Count("pk"),
            suggested=Count("pk", filter=Q(is_suggested=True)),
            tiered=Count("pk", filter=Q(is_tiered=True)),
        )
        .values_list(*(f"{key}_group" for key in keys), "base", "suggested", "tiered")
    )
    totals: dict[str, dict[str, list[int]]] = {key: {} for key in keys}
    base = suggested = tiered = 0
    for *values, group_base, group_suggested, group_tiered in combinations:
        base, suggested, tiered = base + group_base, suggested + group_suggested, tiered + group_tiered
        for key, code in zip(keys, values, strict=True):
            value = LABELS.get(key, {}).get(code, code)
            counts = totals[key].setdefault(value, [0, 0, 0])
            counts[0] += group_base
            counts[1] += group_suggested
            counts[2] += group_tiered
    # (group value, base, suggested, tiered) per group of each dimension.
    rows_by_dimension: dict[str, list[tuple[str, int, int, int]]] = {
        key: [(value, counts[0], counts[1], counts[2]) for value, counts in groups.items()]
        for key, groups in totals.items()
    }
    suggested_rate = Fraction(suggested, base) if base and suggested else None
    tiered_rate = Fraction(tiered, base) if base and tiered else None
    band_order = {label: index for index, (label, _minimum) in enumerate(AGE_BANDS)}
    dimensions = []
    for key, label in DIMENSIONS:
        rows = rows_by_dimension[key]
        if key == "age_band":
            rows.sort(key=lambda row: band_order.get(row[0], len(band_order)))
        else:
            rows.sort(key=lambda row: (row[0] == NOT_RECORDED, -row[1], row[0]))
        dimensions.append(
            Dimension(
                key,
                label,
                [
                    Group(
                        value,
                        group_base,
                        measure(group_suggested, group_base, suggested_rate),
                        measure(group_tiered, group_base, tiered_rate),
                    )
                    for value, group_base, group_suggested, group_tiered in rows
                ],
            )
        )
    return FairnessReport(as_of, base, suggested, tiered, suggested_rate, tiered_rate, dimensions)
