"""Reads of case records, always through the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts import policy
from audit import services as audit
from cases.models import BreakGlassGrant, Child, Involvement


def visible_children(user) -> QuerySet[Child]:
    return Child.objects.visible_to(user)


def visible_child(user, pk: int) -> Child | None:
    """The child if this user may see it, annotated with why; otherwise None, and the refused
    attempt is audited. Callers answer 404 either way, so existence is never revealed."""
    grounds = policy.child_access_expressions(user) if user.is_authenticated else {}
    child = Child.objects.visible_to(user).annotate(**grounds).filter(pk=pk).first()
    if child is None:
        audit.record_denied(user, Child, pk)
        return None
    child.access_basis = policy.access_basis(child)
    child.break_glass_grant = None
    if child.access_basis == "break_glass":
        child.break_glass_grant = BreakGlassGrant.objects.active().filter(child=child, user=user).first()
    return child


def involvements_of(child: Child) -> QuerySet[Involvement]:
    return child.involvements.select_related("agency", "lead_professional").order_by("-started_on", "id")


@dataclass(frozen=True)
class ChildSearch:
    name: str = ""
    date_of_birth: date | None = None
    reference: str = ""

    def criteria(self) -> dict:
        return {"name": self.name, "date_of_birth": self.date_of_birth, "reference": self.reference}


def search_children(user, search: ChildSearch, limit: int = 50) -> list[Child]:
    queryset = Child.objects.visible_to(user)
    for token in search.name.split():
        queryset = queryset.filter(Q(given_name__icontains=token) | Q(family_name__icontains=token))
    if search.date_of_birth:
        queryset = queryset.filter(date_of_birth=search.date_of_birth)
    if search.reference:
        queryset = queryset.filter(reference__iexact=search.reference.strip())
    results = list(queryset[:limit])
    audit.record_search(user, Child, search.criteria(), [child.pk for child in results])
    return results
