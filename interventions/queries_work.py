"""Reads for interventions and family outcome plans, always through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from audit import services as audit
from interventions.models import FamilyPlan, Intervention

INTERVENTION_RELATED = ("intervention_type", "lead_agency", "lead_professional", "child", "family", "context")


def visible_interventions(user) -> QuerySet[Intervention]:
    return Intervention.objects.visible_to(user).select_related(*INTERVENTION_RELATED)


def visible_intervention(user, pk: int) -> Intervention | None:
    """The intervention if the user may see its subject; None (with the refusal audited) otherwise."""
    intervention = visible_interventions(user).filter(pk=pk).first()
    if intervention is None:
        audit.record_denied(user, Intervention, pk)
    return intervention


def interventions_for(user, subject_kind: str, subject) -> QuerySet[Intervention]:
    """Interventions on a subject the caller has just read through `visible_to(user)`: they follow
    its visibility, so filtering by the subject alone gives the same rows without re-running the
    policy's subqueries (measured in benchmarks/README.md)."""
    return Intervention.objects.filter(**{subject_kind: subject}).select_related(*INTERVENTION_RELATED)


def subject_interventions(user, kind: str, subject) -> dict[str, list[Intervention]]:
    """The interventions section of a child's, family's or context's page (cases.profile)."""
    return {"interventions": list(interventions_for(user, kind, subject))}


def visible_family_plan(user, pk: int) -> FamilyPlan | None:
    plan = FamilyPlan.objects.visible_to(user).select_related("family", "lead_professional").filter(pk=pk).first()
    if plan is None:
        audit.record_denied(user, FamilyPlan, pk)
    return plan


@dataclass(frozen=True)
class PeriodCounts:
    start: date
    end: date
    delivered: int
    children: int


def period_counts(interventions: QuerySet[Intervention], start: date, end: date) -> PeriodCounts:
    """Interventions delivered (under way at any point) between start and end inclusive, and the
    distinct young people who had one (interventions for a child; family and context work is
    counted as delivered but names no single child). One query."""
    totals = interventions.delivered_between(start, end).aggregate(
        delivered=Count("pk"), children=Count("child", distinct=True)
    )
    return PeriodCounts(start, end, totals["delivered"], totals["children"])
