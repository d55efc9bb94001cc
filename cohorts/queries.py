"""Reads for the cohort pages and API, always through the access policy."""

from __future__ import annotations

from access import lookups
from cases.models import Child
from cases.queries import access_basis


def child_or_404(user, pk) -> Child:
    """The child if this user may see it, with why (`access_basis`); otherwise the refusal is
    audited and Http404 raised."""
    children = Child.objects.visible_to(user).select_related("school", "lead_professional", "cohort_tier")
    child = lookups.get_or_404(user, children, pk)
    child.access_basis = access_basis(user, child)
    return child
