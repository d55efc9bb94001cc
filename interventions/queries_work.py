"""Reads for interventions and family outcome plans, always through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from access import lookups
from cases.models import Child, Context, Family
from cases.queries import child_or_404
from interventions.models import FamilyPlan, Intervention

INTERVENTION_RELATED = ("intervention_type", "lead_agency", "lead_professional", "child", "family", "context")


def visible_interventions(user) -> QuerySet[Intervention]:
    return Intervention.objects.visible_to(user).select_related(*INTERVENTION_RELATED)


def intervention_or_404(user, pk: int) -> Intervention:
    """The intervention if the user may see its subject; otherwise the refusal is audited and
    Http404 raised."""
    return lookups.get_or_404(user, visible_interventions(user), pk)


def subject_or_404(user, kind: str, pk: int) -> Child | Family | Context:
    """The child, family or context an intervention is recorded for, if the user may see it (a
    child with why: `access_basis`); otherwise the refusal is audited and Http404 raised."""
    if kind == "child":
        return child_or_404(user, pk)
    return lookups.get_or_404(user, {"family": Family, "context": Context}[kind], pk)


def interventions_for(user, subject_kind: str, subject) -> QuerySet[Intervention]:
    """Interventions on a subject the caller has just read through `visible_to(user)`: they follow
    its visibility, so filtering by the subject alone gives the same rows without re-running the
    policy's subqueries (measured in benchmarks/README.md). With what the subject's page lists (the
    type and the lead agency), not every related record."""
    return Intervention.objects.filter(**{subject_kind: subject}).select_related("intervention_type", "lead_agency")


def subject_interventions(user, kind: str, subject) -> dict[str, list[Intervention]]:
    """The interventions section of a child's, family's or context's page (cases.profile)."""
    interventions = list(interventions_for(user, kind, subject))
    for intervention in interventions:
        setattr(intervention, kind, subject)  # the page's own subject: no query if a template asks
    return {"interventions": interventions}


def family_plan_or_404(user, pk: int) -> FamilyPlan:
    """The plan if the user may see its family; otherwise the refusal is audited and Http404 raised."""
    return lookups.get_or_404(
        user, FamilyPlan.objects.visible_to(user).select_related("family", "lead_professional"), pk
    )


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
