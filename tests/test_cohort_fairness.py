"""Fairness figures on a hand-made population, with every rate, ratio and flag worked out by hand.

Population (open records only; two closed records are suggested and tiered but must not count):

    ethnicity (group)  gender  neighbourhood  children  suggested  in a tier
    White British      Female  North             40         8         10
    Black Caribbean    Male    North             20        10          5
    Asian Pakistani    Male    North             20         2          5
    Mixed other        -       North              8         4          0
    Not recorded       -       (none)            12         1          0
    total                                       100        25         20

Overall: suggested 25/100 = 1/4, tiered 20/100 = 1/5.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import Child
from cohorts.models import ChildTier, CohortRun, RunKind, RunStatus, RunTrigger, ScoringModel, Suggestion, TierDecision
from cohorts.services import fairness, runs
from tests.factories import NeighbourhoodFactory, UserFactory

AS_OF = date(2026, 6, 15)
GROUPS = [
    # ethnicity, gender, area, children, suggested, tiered
    ("white_british", "female", "North", 40, 8, 10),
    ("black_caribbean", "male", "North", 20, 10, 5),
    ("asian_pakistani", "male", "North", 20, 2, 5),
    ("mixed_other", "not_recorded", "North", 8, 4, 0),
    ("not_recorded", "not_recorded", None, 12, 1, 0),
]
DEFAULT_BIRTH = date(2011, 1, 1)  # 15 on AS_OF
# The "Mixed" children's birthdays, in order, around the band edges (the first four are suggested).
MIXED_BIRTHS = [
    date(2016, 6, 15),  # 10 today        -> 10 to 13
    date(2016, 6, 15),
    date(2016, 6, 16),  # 10 tomorrow     -> under 10
    date(2016, 6, 16),
    date(2008, 6, 15),  # 18 today        -> 18 and over
    date(2008, 6, 15),
    date(2008, 6, 16),  # 18 tomorrow     -> 16 to 17
    date(2008, 6, 16),
]


def scoring_model() -> ScoringModel:
    return ScoringModel.objects.order_by("version").first() or ScoringModel.objects.create(
        version=1, most_vulnerable_threshold=12, vulnerable_threshold=8, concern_threshold=4, context_weight=2
    )


def run(**kwargs) -> CohortRun:
    return CohortRun.objects.create(
        kind=RunKind.FULL,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.PUBLISHED,
        as_of=AS_OF,
        scoring_model=scoring_model(),
        published_at=timezone.now(),
        **kwargs,
    )


def build_population() -> None:
    Child.objects.update(status="closed")  # anything made by other fixtures stays out of the base
    decider = UserFactory(username="fairness-decider")
    old_run = run()
    suggested, below, tiered, everyone = [], [], [], []
    number = 0
    north = NeighbourhoodFactory(name="North")
    for ethnicity, gender, area, count, n_suggested, n_tiered in GROUPS:
        for index in range(count):
            number += 1
            child = Child.objects.create(
                reference=f"F-{number:04d}",
                given_name="Fair",
                family_name=f"Ness{number}",
                date_of_birth=MIXED_BIRTHS[index] if ethnicity == "mixed_other" else DEFAULT_BIRTH,
                gender=gender,
                ethnicity=ethnicity,
                neighbourhood=north if area else None,
            )
            everyone.append(child)
            if index < n_suggested:
                suggested.append(child)
            elif index == n_suggested:
                below.append(child)  # scored, but below the threshold: not "suggested"
            if index < n_tiered:
                tiered.append(child)
    closed = [
        Child.objects.create(
            reference=f"F-C{n}",
            given_name="Closed",
            family_name=f"Record{n}",
            date_of_birth=DEFAULT_BIRTH,
            ethnicity="white_british",
            status="closed",
        )
        for n in range(2)
    ]
    # An older run suggested everyone: only the current chain counts.
    Suggestion.objects.bulk_create(Suggestion(run=old_run, child=c, score=20, tier="most_vulnerable") for c in everyone)
    current = run()
    Suggestion.objects.bulk_create(
        Suggestion(run=current, child=child, score=9, tier="vulnerable_cohort") for child in [*suggested, *closed]
    )
    Suggestion.objects.bulk_create(Suggestion(run=current, child=child, score=2, tier="") for child in below)
    runs.publish_current(current.pk, full=True)  # what publication does: keep the stored current suggestions
    for child in [*tiered, *closed]:
        decision = TierDecision.objects.create(
            child=child, outcome="change", tier="cause_for_concern", reason="R", decided_by=decider
        )
        ChildTier.objects.create(child=child, tier="cause_for_concern", decision=decision, since=timezone.now())


def groups(report, key) -> dict:
    dimension = next(d for d in report.dimensions if d.key == key)
    return {
        group.value: (
            group.base,
            group.suggested.count,
            group.suggested.ratio,
            group.suggested.status,
            group.tiered.count,
            group.tiered.ratio,
            group.tiered.status,
        )
        for group in dimension.groups
    }


@pytest.fixture
def report(db):
    build_population()
    return fairness.fairness_report(as_of=AS_OF)


def test_totals(report):
    assert (report.base, report.suggested, report.tiered) == (100, 25, 20)
    assert (report.suggested_rate, report.tiered_rate) == (Fraction(1, 4), Fraction(1, 5))


def test_ethnicity(report):
    F = Fraction
    assert groups(report, "ethnicity") == {
        # 8/40 = 0.2 -> ratio exactly 0.8: on the line, not flagged. Tiers 10/40 -> exactly 1.25.
        "White": (40, 8, F(4, 5), "ok", 10, F(5, 4), "ok"),
        # 2/20 -> 0.4, expected 5 at the overall rate: judged, flagged. Tiers: expected 4 -> too few.
        "Asian, Asian British or Asian Welsh": (20, 2, F(2, 5), "outside", 5, F(5, 4), "too_few"),
        "Black, Black British, Black Welsh, Caribbean or African": (20, 10, F(2), "outside", 5, F(5, 4), "too_few"),
        # Fewer than 10 children: shown, not judged.
        "Mixed or Multiple ethnic groups": (8, 4, F(2), "too_few", 0, F(0), "too_few"),
        # 12 children but only 3 expected: not judged.
        "Not recorded": (12, 1, F(1, 3), "too_few", 0, F(0), "too_few"),
    }
    dimension = next(d for d in report.dimensions if d.key == "ethnicity")
    assert [g.value for g in dimension.groups] == [
        "White",
        "Asian, Asian British or Asian Welsh",
        "Black, Black British, Black Welsh, Caribbean or African",
        "Mixed or Multiple ethnic groups",
        "Not recorded",
    ]
    white = dimension.groups[0]
    assert (white.suggested.rate_percent, white.suggested.ratio_display) == (20.0, 0.8)


def test_gender_and_area(report):
    F = Fraction
    assert groups(report, "gender") == {
        "Male": (40, 12, F(6, 5), "ok", 10, F(5, 4), "ok"),
        "Female": (40, 8, F(4, 5), "ok", 10, F(5, 4), "ok"),
        "Not recorded": (20, 5, F(1), "ok", 0, F(0), "too_few"),
    }
    assert groups(report, "area") == {
        "North": (88, 24, F(12, 11), "ok", 20, F(25, 22), "ok"),
        "Not recorded": (12, 1, F(1, 3), "too_few", 0, F(0), "too_few"),
    }


def test_age_bands_on_the_as_of_date(report):
    dimension = next(d for d in report.dimensions if d.key == "age_band")
    assert [(g.value, g.base, g.suggested.count) for g in dimension.groups] == [
        ("Under 10", 2, 2),
        ("10 to 13", 2, 2),
        ("14 to 15", 92, 21),
        ("16 to 17", 2, 0),
        ("18 and over", 2, 0),
    ]
    middle = dimension.groups[2]
    assert (middle.suggested.ratio, middle.suggested.status) == (Fraction(21 * 4, 92), "ok")
    assert report.flagged == 2


def test_boundaries_and_small_groups():
    quarter = Fraction(1, 4)
    assert fairness.measure(10, 32, quarter).status == "ok"  # exactly 1.25
    assert fairness.measure(11, 32, quarter).status == "outside"
    assert fairness.measure(8, 40, quarter).status == "ok"  # exactly 0.8
    assert fairness.measure(7, 40, quarter).status == "outside"
    assert fairness.measure(9, 9, quarter).status == "too_few"  # fewer than 10 children
    assert fairness.measure(0, 19, quarter).status == "too_few"  # 4.75 expected
    assert fairness.measure(0, 20, quarter).status == "outside"  # 5 expected, none suggested
    nothing = fairness.measure(0, 50, None)
    assert (nothing.rate, nothing.ratio, nothing.status) == (Fraction(0), None, "no_rate")


def test_years_before_handles_29_february():
    assert fairness.years_before(date(2028, 2, 29), 10) == date(2018, 2, 28)
    assert fairness.years_before(date(2026, 3, 1), 10) == date(2016, 3, 1)


def test_a_fixed_number_of_queries(db, django_assert_num_queries):
    build_population()
    with django_assert_num_queries(1):  # one GROUP BY over the dimensions (the stored current suggestions)
        fairness.fairness_report(as_of=AS_OF)


def test_no_suggestions_yet(db):
    Child.objects.create(reference="F-1", given_name="A", family_name="B", date_of_birth=DEFAULT_BIRTH)
    report = fairness.fairness_report(as_of=AS_OF)
    assert (report.base, report.suggested, report.suggested_rate) == (1, 0, None)
    assert report.dimensions[0].groups[0].suggested.status == "no_rate"


def test_fairness_page_and_api(partnership, client_for):
    build_population()
    client = client_for("manager")
    body = client.get(reverse("cohorts:fairness")).content.decode()
    assert body.count("Outside 0.8–1.25</strong>") == 2
    assert "Too few to judge" in body and "Ness1" not in body
    event = AuditEvent.objects.filter(action=AuditAction.LIST).latest("id")
    assert (event.detail, event.subjects.count()) == ({"view": "cohort fairness"}, 0)
    data = client_for("dpo").get(reverse("api:cohort-fairness-list")).json()
    assert (data["base"], data["suggested"], data["suggested_rate"]) == (100, 25, 0.25)
    ethnicity = data["dimensions"][0]
    assert ethnicity["groups"][2] == {
        "value": "Black, Black British, Black Welsh, Caribbean or African",
        "base": 20,
        "suggested": {"count": 10, "rate": 0.5, "ratio": 2.0, "status": "outside"},
        "tiered": {"count": 5, "rate": 0.25, "ratio": 1.25, "status": "too_few"},
    }
    assert client_for("caseworker").get(reverse("cohorts:fairness")).status_code == 404
    assert client_for("caseworker").get(reverse("api:cohort-fairness-list")).status_code == 404
